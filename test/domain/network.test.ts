import { describe, expect, it } from 'vitest';
import { guardPrefix, identityPrefix } from '../../src/domain/network.js';

describe('network prefixes', () => {
  it.each([
    { address: '203.0.113.7', identity: '203.0.113.0/24', guard: '203.0.113.0/24' },
    { address: '203.0.113.250', identity: '203.0.113.0/24', guard: '203.0.113.0/24' },
    { address: '198.51.100.7', identity: '198.51.100.0/24', guard: '198.51.100.0/24' },
    { address: '::ffff:203.0.113.9', identity: '203.0.113.0/24', guard: '203.0.113.0/24' },
    { address: '2001:db8:abcd:12::1', identity: '2001:db8:abcd:0::/56', guard: '2001:db8:abcd::/48' },
    { address: '2001:db8:abcd:12ff::1', identity: '2001:db8:abcd:1200::/56', guard: '2001:db8:abcd::/48' },
    { address: '2001:db8:abcd:ffff:1:2:3:4', identity: '2001:db8:abcd:ff00::/56', guard: '2001:db8:abcd::/48' },
    { address: '2001:DB8::1', identity: '2001:db8:0:0::/56', guard: '2001:db8:0::/48' },
    { address: '::1', identity: '0:0:0:0::/56', guard: '0:0:0::/48' },
    { address: 'fe80::1%eth0', identity: 'fe80:0:0:0::/56', guard: 'fe80:0:0::/48' },
    { address: '64:ff9b::203.0.113.7', identity: '64:ff9b:0:0::/56', guard: '64:ff9b:0::/48' },
    { address: 'not-an-ip', identity: null, guard: null },
    { address: '', identity: null, guard: null },
  ])('when the address is "$address", then identity is $identity and guard is $guard', ({ address, identity, guard }) => {
    expect(identityPrefix(address)).toBe(identity);
    expect(guardPrefix(address)).toBe(guard);
  });

  it('when two households share an ISP /48 but not a /56, then they are two identities but one guard network', () => {
    expect(identityPrefix('2001:db8:abcd:100::1')).not.toBe(identityPrefix('2001:db8:abcd:200::1'));
    expect(guardPrefix('2001:db8:abcd:100::1')).toBe(guardPrefix('2001:db8:abcd:200::1'));
  });
});

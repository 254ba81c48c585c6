import { describe, expect, it } from 'vitest';
import { networkPrefix } from '../../src/domain/network.js';

describe('networkPrefix', () => {
  it.each([
    { address: '203.0.113.7', prefix: '203.0.113.0/24' },
    { address: '203.0.113.250', prefix: '203.0.113.0/24' },
    { address: '198.51.100.7', prefix: '198.51.100.0/24' },
    { address: '::ffff:203.0.113.9', prefix: '203.0.113.0/24' },
    { address: '2001:db8:abcd:12::1', prefix: '2001:db8:abcd::/48' },
    { address: '2001:db8:abcd:ffff:1:2:3:4', prefix: '2001:db8:abcd::/48' },
    { address: '2001:DB8::1', prefix: '2001:db8:0::/48' },
    { address: '::1', prefix: '0:0:0::/48' },
    { address: 'fe80::1%eth0', prefix: 'fe80:0:0::/48' },
    { address: '64:ff9b::203.0.113.7', prefix: '64:ff9b:0::/48' },
    { address: 'not-an-ip', prefix: null },
    { address: '', prefix: null },
  ])('when the address is "$address", then the prefix is $prefix', ({ address, prefix }) => {
    expect(networkPrefix(address)).toBe(prefix);
  });
});

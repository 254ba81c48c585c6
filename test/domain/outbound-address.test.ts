import { describe, expect, it } from 'vitest';
import { classifyAddress, hostAllowed, isLoopback } from '../../src/domain/outbound-address.js';

describe('outbound address rules', () => {
  it.each([
    ['8.8.8.8', null],
    ['93.184.215.14', null],
    ['2606:4700::1111', null],
    ['2001:4860:4860::8888', null],
    ['::ffff:8.8.8.8', null],
    ['64:ff9b::808:808', null],
    ['2002:808:808::1', null],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.251', 'multicast'],
    ['192.0.2.1', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['fec0::1', 'deprecatedSiteLocal'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'ipv4Mapped(loopback)'],
    ['::ffff:7f00:1', 'ipv4Mapped(loopback)'],
    ['::ffff:169.254.169.254', 'ipv4Mapped(linkLocal)'],
    ['::ffff:0:10.0.0.1', 'rfc6145(private)'],
    ['::7f00:1', 'notGlobalUnicast'],
    ['64:ff9b::7f00:1', 'rfc6052(loopback)'],
    ['64:ff9b:1::1', 'nat64LocalUse'],
    ['2002:7f00:1::', '6to4(loopback)'],
    ['2002:c0a8:101::', '6to4(private)'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo(reserved)'],
    ['2001:0:a00:1::f7f7:f7f7', 'teredo(private)'],
    ['4000::1', 'notGlobalUnicast'],
    ['fe80::1%eth0', 'invalid'],
    ['example.com', 'invalid'],
  ])('when the address is %s, then its verdict names %s (null: global)', (address, range) => {
    expect(classifyAddress(address)).toEqual(range === null ? { global: true } : { global: false, range });
  });

  it('when an address is loopback, then only 127/8 and ::1 count, not their mapped forms', () => {
    expect([isLoopback('127.0.0.1'), isLoopback('::1'), isLoopback('::ffff:127.0.0.1'), isLoopback('10.0.0.1')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it.each([
    ['example.com', ['example.com'], true],
    ['EXAMPLE.com.', ['example.com'], true],
    ['cdn.example.com', ['example.com'], false],
    ['cdn.example.com', ['*.example.com'], true],
    ['a.b.example.com', ['*.example.com'], true],
    ['example.com', ['*.example.com'], false],
    ['badexample.com', ['*.example.com'], false],
    ['example.com.evil.test', ['example.com'], false],
    ['', ['*.example.com'], false],
    ['photos.news.example', [], false],
    ['::1', ['[::1]'], true],
  ])('when the host is "%s" and the list %j, then allowed is %s', (host, list, allowed) => {
    expect(hostAllowed(host, list)).toBe(allowed);
  });
});

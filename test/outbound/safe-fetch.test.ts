/**
 * Outbound fetches under the SSRF rules: every refused target, tried against real HTTP servers on 127.0.0.1.
 * Names resolve through an injected resolver, so a name can be made to point at any address without DNS.
 */
import http, { type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  limitedResolver,
  MAX_SYSTEM_LOOKUPS,
  safeFetch,
  type ResolvedAddress,
  type SafeFetchOptions,
} from '../../src/outbound/safe-fetch.js';

/** What the origin server saw: one entry per request. */
const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
let port: number;
let origin: http.Server;
const open = new Set<ServerResponse>();

/** The origin's routes: each path answers as the test needs (redirects, big, slow, hanging bodies). */
function route(path: string, res: ServerResponse): void {
  if (path === '/photo') return void res.end('picture bytes');
  if (path.startsWith('/hop/')) {
    const left = Number(path.split('/')[2]);
    res.writeHead(302, { location: left > 0 ? `/hop/${left - 1}` : '/photo' });
    return void res.end();
  }
  if (path.startsWith('/redirect?to=')) {
    res.writeHead(302, { location: decodeURIComponent(path.slice('/redirect?to='.length)) });
    return void res.end();
  }
  if (path === '/big-declared') {
    res.writeHead(200, { 'content-length': String(10_000_000) });
    return void res.write(Buffer.alloc(1024));
  }
  if (path === '/big-chunked') {
    res.writeHead(200, { 'content-type': 'image/jpeg' });
    // Chunked, no Content-Length: 64 KiB at a time until the client hangs up.
    const push = () => {
      while (res.write(Buffer.alloc(64 * 1024)));
    };
    res.on('drain', push);
    return push();
  }
  if (path === '/slow-body') {
    res.writeHead(200, { 'content-length': '1000' });
    const drip = setInterval(() => res.write('x'), 50);
    res.on('close', () => clearInterval(drip));
    return;
  }
  if (path === '/hang') return void open.add(res);
  res.writeHead(404).end();
}

beforeAll(async () => {
  origin = http.createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    route(req.url ?? '', res);
  });
  origin.listen(0, '127.0.0.1');
  await once(origin, 'listening');
  port = (origin.address() as AddressInfo).port;
});
afterEach(() => {
  for (const res of open) res.destroy();
  open.clear();
  seen.length = 0;
});
afterAll(() => {
  origin.closeAllConnections();
  origin.close();
});

/** An injected resolver: each test name points at the addresses given; counts its calls. */
const NAMES: Record<string, string[]> = {
  'origin.test': ['127.0.0.1'],
  'private.test': ['10.0.0.5'],
  'loopback.test': ['127.0.0.1'],
  'metadata.test': ['169.254.169.254'],
  'linklocal.test': ['169.254.10.1'],
  'cgnat.test': ['100.64.1.1'],
  'v6-loopback.test': ['::1'],
  'v6-linklocal.test': ['fe80::1'],
  'v6-uniquelocal.test': ['fc00::1'],
  'v6-mapped.test': ['::ffff:127.0.0.1'],
  'v6-mapped-private.test': ['::ffff:10.0.0.1'],
  'nat64.test': ['64:ff9b::a9fe:a9fe'],
  '6to4.test': ['2002:c0a8:101::1'],
  'mixed.test': ['93.184.215.14', '10.1.1.1'],
};
let resolverCalls = 0;
const resolver = (hostname: string): Promise<ResolvedAddress[]> => {
  resolverCalls++;
  const addresses = NAMES[hostname];
  if (!addresses) return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
  return Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
};

/** The options of a site that lists `*.test` and whose tests let loopback through (OUTBOUND_ALLOW_LOOPBACK). */
function options(overrides: Partial<SafeFetchOptions> = {}): SafeFetchOptions {
  return { allowedHosts: ['*.test', '127.0.0.1'], maxBytes: 100_000, timeoutMs: 5_000, allowLoopback: true, resolver, ...overrides };
}

const at = (host: string, path = '/photo') => `http://${host}:${port}${path}`;

describe('safeFetch', () => {
  it('when the host is allowed and resolves to an allowed address, then the body arrives and the Host header is the name', async () => {
    resolverCalls = 0;
    const result = await safeFetch(at('origin.test'), options());
    expect(result.status).toBe(200);
    expect(result.body.toString()).toBe('picture bytes');
    expect(seen[0]!.headers.host).toBe(`origin.test:${port}`);
    // Resolved once; no cookie or credentials sent.
    expect(resolverCalls).toBe(1);
    expect(seen[0]!.headers.cookie).toBeUndefined();
    expect(seen[0]!.headers.authorization).toBeUndefined();
  });

  it('when loopback is not explicitly allowed (the default), then a name resolving to 127.0.0.1 is refused unfetched', async () => {
    await expect(safeFetch(at('origin.test'), options({ allowLoopback: false }))).rejects.toMatchObject({
      code: 'url_resolves_to_private_address',
      details: { range: 'loopback' },
    });
    await expect(safeFetch(at('127.0.0.1'), options({ allowLoopback: undefined }))).rejects.toMatchObject({
      code: 'url_resolves_to_private_address',
    });
    expect(seen).toEqual([]);
  });

  it.each([
    ['private 10/8', '10.0.0.1', 'private'],
    ['private 172.16/12', '172.16.5.4', 'private'],
    ['private 192.168/16', '192.168.1.1', 'private'],
    ['link-local', '169.254.10.1', 'linkLocal'],
    ['cloud metadata', '169.254.169.254', 'linkLocal'],
    ['CGNAT', '100.64.0.1', 'carrierGradeNat'],
    ['unspecified', '0.0.0.0', 'unspecified'],
    ['documentation', '192.0.2.1', 'reserved'],
    ['multicast', '224.0.0.1', 'multicast'],
    ['IPv6 loopback', '[::1]', 'loopback'],
    ['IPv6 link-local', '[fe80::1]', 'linkLocal'],
    ['IPv6 unique-local', '[fc00::1]', 'uniqueLocal'],
    ['IPv4-mapped loopback, dotted', '[::ffff:127.0.0.1]', 'ipv4Mapped(loopback)'],
    ['IPv4-mapped loopback, hex', '[::ffff:7f00:1]', 'ipv4Mapped(loopback)'],
    ['IPv4-mapped metadata', '[::ffff:169.254.169.254]', 'ipv4Mapped(linkLocal)'],
    ['IPv4-compatible loopback', '[::127.0.0.1]', 'notGlobalUnicast'],
    ['NAT64 of a private address', '[64:ff9b::10.0.0.1]', 'rfc6052(private)'],
    ['6to4 of a private address', '[2002:a00:1::1]', '6to4(private)'],
    ['decimal loopback', '2130706433', 'loopback'],
    ['hex-dotted loopback', '0x7f.1', 'loopback'],
    ['octal loopback', '0177.0.0.1', 'loopback'],
    ['short loopback', '127.1', 'loopback'],
    ['hex private', '0x0a000001', 'private'],
  ])('when the URL names a %s address literally (%s), then it is refused with its range', async (_name, host, range) => {
    // Loopback itself is refused by default; every other range (mapped loopback included) even with loopback allowed.
    await expect(safeFetch(at(host), options({ allowLoopback: range !== 'loopback' }))).rejects.toMatchObject({
      code: 'url_resolves_to_private_address',
      details: { range },
    });
    expect(seen).toEqual([]);
  });

  it.each([
    ['private.test', 'private'],
    ['metadata.test', 'linkLocal'],
    ['linklocal.test', 'linkLocal'],
    ['cgnat.test', 'carrierGradeNat'],
    ['v6-loopback.test', 'loopback'],
    ['v6-linklocal.test', 'linkLocal'],
    ['v6-uniquelocal.test', 'uniqueLocal'],
    ['v6-mapped.test', 'ipv4Mapped(loopback)'],
    ['v6-mapped-private.test', 'ipv4Mapped(private)'],
    ['nat64.test', 'rfc6052(linkLocal)'],
    ['6to4.test', '6to4(private)'],
    ['mixed.test', 'private'],
  ])('when a name (%s) resolves to a non-public address, then it is refused (%s) before any connection', async (host, range) => {
    await expect(safeFetch(at(host), options({ allowLoopback: range !== 'loopback' }))).rejects.toMatchObject({
      code: 'url_resolves_to_private_address',
      details: { range },
    });
    expect(seen).toEqual([]);
  });

  it('when the resolver would answer differently the second time (DNS rebinding), then it is asked once and the checked address is used', async () => {
    let calls = 0;
    const rebinding = (): Promise<ResolvedAddress[]> => Promise.resolve([{ address: calls++ === 0 ? '127.0.0.1' : '10.0.0.1', family: 4 }]);
    const result = await safeFetch(at('origin.test'), options({ resolver: rebinding }));
    expect(result.body.toString()).toBe('picture bytes');
    expect(calls).toBe(1);
  });

  it.each([
    ['a private name', 'http://private.test/'],
    ['the metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['an IPv4-mapped loopback', 'http://[::ffff:7f00:1]/'],
    ['a private address in decimal', 'http://167772161/'],
  ])('when an allowed origin redirects to %s, then the redirect is refused', async (_name, target) => {
    await expect(safeFetch(at('origin.test', `/redirect?to=${encodeURIComponent(target)}`), options())).rejects.toMatchObject({
      code: 'url_resolves_to_private_address',
    });
    expect(seen.map((request) => request.path)).toHaveLength(1);
  });

  it('when an allowed origin redirects to a host not on the list, or to another scheme, then it is refused', async () => {
    for (const target of ['http://elsewhere.example/', 'file:///etc/passwd', 'ftp://origin.test/x', 'http://user:pw@origin.test/']) {
      await expect(safeFetch(at('origin.test', `/redirect?to=${encodeURIComponent(target)}`), options())).rejects.toMatchObject({
        code: 'url_not_allowed',
      });
    }
  });

  it('when the origin redirects 3 times, then the fourth answer is returned; when 4 times, then too_many_redirects', async () => {
    const result = await safeFetch(at('origin.test', '/hop/2'), options());
    expect(result.body.toString()).toBe('picture bytes');
    expect(result.url).toBe(at('origin.test'));
    await expect(safeFetch(at('origin.test', '/hop/3'), options())).rejects.toMatchObject({ code: 'too_many_redirects' });
  });

  it('when redirects are manual, then a 3xx is returned as it is', async () => {
    const result = await safeFetch(at('origin.test', '/hop/0'), options({ redirect: 'manual' }));
    expect(result.status).toBe(302);
  });

  it('when Content-Length declares more than the budget, then it is refused without reading the body', async () => {
    await expect(safeFetch(at('origin.test', '/big-declared'), options({ maxBytes: 1_000_000 }))).rejects.toMatchObject({
      code: 'fetch_too_large',
    });
  });

  it('when the body has no Content-Length and streams past the budget, then it is cut off', async () => {
    await expect(safeFetch(at('origin.test', '/big-chunked'), options({ maxBytes: 1_000_000 }))).rejects.toMatchObject({
      code: 'fetch_too_large',
    });
  });

  it('when the body drips slower than the time budget, then the fetch ends at the budget', async () => {
    const started = Date.now();
    await expect(safeFetch(at('origin.test', '/slow-body'), options({ timeoutMs: 400 }))).rejects.toMatchObject({ code: 'fetch_timeout' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('when the origin never answers, then the fetch ends at the budget', async () => {
    await expect(safeFetch(at('origin.test', '/hang'), options({ timeoutMs: 300 }))).rejects.toMatchObject({ code: 'fetch_timeout' });
  });

  it.each([
    'ftp://origin.test/photo',
    'file:///etc/passwd',
    'gopher://origin.test/',
    'data:image/png;base64,AAAA',
    'javascript:alert(1)',
    'not a url',
  ])('when the URL is %s, then it is refused as not http(s)', async (url) => {
    await expect(safeFetch(url, options())).rejects.toMatchObject({ code: 'url_not_allowed' });
  });

  it('when the URL carries credentials, then it is refused before anything is sent', async () => {
    await expect(safeFetch(`http://user:secret@origin.test:${port}/photo`, options())).rejects.toMatchObject({ code: 'url_not_allowed' });
    await expect(safeFetch(`http://user@origin.test:${port}/photo`, options())).rejects.toMatchObject({ code: 'url_not_allowed' });
    expect(seen).toEqual([]);
  });

  it('when the host is not on the allow-list, then it is refused; a *.domain entry allows names under it, not the domain itself', async () => {
    await expect(safeFetch(at('origin.test'), options({ allowedHosts: ['other.test'] }))).rejects.toMatchObject({
      code: 'url_not_allowed',
    });
    await expect(safeFetch(at('origin.test'), options({ allowedHosts: ['*.origin.test'] }))).rejects.toMatchObject({
      code: 'url_not_allowed',
    });
    expect((await safeFetch(at('origin.test'), options({ allowedHosts: ['origin.test'] }))).status).toBe(200);
  });

  it('when the name does not resolve or nothing listens, then fetch_failed', async () => {
    await expect(safeFetch(at('nowhere.test'), options())).rejects.toMatchObject({ code: 'fetch_failed' });
    const closed = http.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const closedPort = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    await expect(safeFetch(`http://origin.test:${closedPort}/`, options())).rejects.toMatchObject({ code: 'fetch_failed' });
  });
});

describe('limitedResolver', () => {
  it('when names never answer, then at most the limit are asked at once, a hung fetch gives up at its budget, and the next name is asked once a slot frees', async () => {
    let running = 0;
    let most = 0;
    let calls = 0;
    const answers: Array<() => void> = [];
    const hanging = limitedResolver(async () => {
      calls++;
      running++;
      most = Math.max(most, running);
      await new Promise<void>((answer) => answers.push(answer));
      running--;
      return [{ address: '127.0.0.1', family: 4 }];
    }, MAX_SYSTEM_LOOKUPS);
    const fetches = Array.from({ length: 5 }, () =>
      safeFetch(at('origin.test'), options({ resolver: hanging, timeoutMs: 200 })).catch((error: { code: string }) => error.code),
    );
    expect(await Promise.all(fetches)).toEqual(Array(5).fill('fetch_timeout'));
    expect(most).toBe(MAX_SYSTEM_LOOKUPS);
    expect(answers).toHaveLength(MAX_SYSTEM_LOOKUPS);
    // The name servers answer at last: the three waiting lookups run in turn, never more than the limit at once.
    await vi.waitFor(() => {
      while (answers.length > 0) answers.shift()!();
      expect(calls).toBe(5);
      expect(running).toBe(0);
    });
    expect(most).toBe(MAX_SYSTEM_LOOKUPS);
  });
});

/**
 * Which addresses and hosts imgmod may fetch from on a caller's behalf (registering an image by URL, delivering a
 * webhook): the rules that keep a URL from reaching imgmod's own network (server-side request forgery). Pure: no I/O.
 *
 * Rules, after OWASP's SSRF prevention cheat sheet ("Server-Side Request Forgery Prevention", case 2: the
 * application may call any external address, so it must refuse internal ones):
 * 1. Only an address that is globally routable unicast is fetched from: every IPv4 range of the IANA IPv4
 *    Special-Purpose Address Registry (RFC 6890: private, loopback, link-local — the cloud metadata address
 *    169.254.169.254 is one —, CGNAT, multicast, reserved, documentation, benchmarking, unspecified, broadcast)
 *    is refused, as classified by ipaddr.js `range()`.
 * 2. IPv6 must lie in global unicast space (2000::/3, RFC 4291) and outside the special ranges ipaddr.js knows
 *    (documentation, ORCHID, benchmarking, …); loopback, link-local, unique-local (fc00::/7), site-local and
 *    multicast are refused, as is any other space outside 2000::/3 (IPv4-compatible ::a.b.c.d included).
 * 3. An IPv6 address that carries an IPv4 address (IPv4-mapped ::ffff:a.b.c.d and RFC 6145's ::ffff:0:a.b.c.d,
 *    NAT64's 64:ff9b::/96, 6to4's 2002::/16, Teredo's 2001::/32 — server and client) is judged by that IPv4
 *    address too: `::ffff:7f00:1` is loopback. NAT64's local-use prefix 64:ff9b:1::/48 (RFC 8215) is refused.
 * 4. A host is allowed when it equals an entry of the allow-list or, for an entry `*.example.com`, is a name
 *    under example.com (not example.com itself), compared without case and without a trailing dot.
 */
import ipaddr from 'ipaddr.js';

/** The verdict on one address: global (may be fetched from), or the special range that refuses it. */
export type AddressVerdict = { global: true } | { global: false; range: string };

/** An IPv4 address from the 32 bits in two 16-bit IPv6 groups. */
function v4FromGroups(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

function classifyV4(address: ipaddr.IPv4): AddressVerdict {
  const range = address.range();
  return range === 'unicast' ? { global: true } : { global: false, range };
}

/** The IPv4 addresses an IPv6 address embeds (rule 3), with the name of the embedding. */
function embeddedV4(address: ipaddr.IPv6, range: string): ipaddr.IPv4[] {
  const p = address.parts;
  switch (range) {
    case 'ipv4Mapped':
    case 'rfc6145':
    case 'rfc6052':
      return [v4FromGroups(p[6]!, p[7]!)];
    case '6to4':
      return [v4FromGroups(p[1]!, p[2]!)];
    case 'teredo':
      // RFC 4380 section 4: the server's address in clear, the client's with every bit inverted.
      return [v4FromGroups(p[2]!, p[3]!), v4FromGroups(~p[6]! & 0xffff, ~p[7]! & 0xffff)];
    default:
      return [];
  }
}

function classifyV6(address: ipaddr.IPv6): AddressVerdict {
  const range = address.range();
  if (range === 'rfc6052' && address.parts[2] !== 0) return { global: false, range: 'nat64LocalUse' };
  const embedded = embeddedV4(address, range);
  if (embedded.length > 0) {
    for (const v4 of embedded) {
      const verdict = classifyV4(v4);
      if (!verdict.global) return { global: false, range: `${range}(${verdict.range})` };
    }
    // A mapped address names an IPv4 host: fetched from only when that host is global.
    return { global: true };
  }
  if (range !== 'unicast') return { global: false, range };
  // Global unicast is 2000::/3; everything else unassigned or special.
  return (address.parts[0]! & 0xe000) === 0x2000 ? { global: true } : { global: false, range: 'notGlobalUnicast' };
}

/**
 * Classifies an IP address as the outbound rules see it (rules 1–3 of the module comment).
 * @param address an IPv4 or IPv6 address in text form, as a resolver returns it (an IPv6 zone index is refused)
 * @returns `{ global: true }`, or `{ global: false, range }` naming the range that refuses it (`invalid` when it is no address)
 */
export function classifyAddress(address: string): AddressVerdict {
  if (address.includes('%') || !ipaddr.isValid(address)) return { global: false, range: 'invalid' };
  const parsed = ipaddr.parse(address);
  return parsed.kind() === 'ipv4' ? classifyV4(parsed as ipaddr.IPv4) : classifyV6(parsed as ipaddr.IPv6);
}

/** True for a loopback address (127.0.0.0/8, ::1): the only range OUTBOUND_ALLOW_LOOPBACK lets through, for tests. */
export function isLoopback(address: string): boolean {
  const verdict = classifyAddress(address);
  return !verdict.global && verdict.range === 'loopback';
}

/** A host name compared as DNS compares it: lower case, without the trailing dot of a fully-qualified name (nor an IPv6 literal's brackets). */
function normalHost(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}

/**
 * Whether a URL's host is on an allow-list (rule 4).
 * @param host the URL's hostname (IPv6 literals without brackets)
 * @param allowedHosts entries `example.com` (that host only) or `*.example.com` (any name under it)
 */
export function hostAllowed(host: string, allowedHosts: readonly string[]): boolean {
  const name = normalHost(host);
  if (name === '') return false;
  return allowedHosts.some((entry) => {
    const pattern = normalHost(entry.trim());
    if (pattern.startsWith('*.')) return name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1;
    return name === pattern;
  });
}

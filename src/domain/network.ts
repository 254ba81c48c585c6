/**
 * The networks a client address belongs to. Readers are told apart by network (a reader can drop a cookie but not
 * easily change network), and only a keyed hash of a prefix is ever stored. Pure: no I/O.
 *
 * Two prefixes per address:
 * - the **identity** prefix (IPv4 /24, IPv6 /56): "one network counts once" for anonymous readers. A /56 is what
 *   RIPE-690 (section 4.2) recommends ISPs give a residential customer, so households behind one ISP's /48 stay
 *   apart, while one household clearing cookies stays one network.
 * - the **guard** prefix (IPv4 /24, IPv6 /48): what the brigade guard groups by when it looks for unproven
 *   readers coming from one place. A /48 is the classic assignment to one end site (RFC 3177, revised by
 *   RFC 6177; RIPE-690 for business customers), so one attacker's own site is one guard network even when it
 *   rotates through its 256 /56s.
 * For IPv4 both are the /24: the longest prefix generally accepted in global routing, and often one NAT.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Expands an IPv6 address ("2001:db8::1") to its eight 16-bit groups; an embedded IPv4 tail becomes two groups. */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0]!;
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4Tail) {
    const [a, b, c, d] = v4Tail[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -v4Tail[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** Prefix length in bits for IPv6 identity (/56) and guard (/48) networks. */
export const IPV6_IDENTITY_BITS = 56;
export const IPV6_GUARD_BITS = 48;

/** The first `bits` (a multiple of 8) of an IPv6 address as text, e.g. "2001:db8:abcd:1200::/56". */
function ipv6Prefix(address: string, bits: number): string {
  const groups = ipv6Groups(address.toLowerCase());
  const whole = Math.floor(bits / 16);
  const kept = groups.slice(0, whole);
  if (bits % 16 !== 0) kept.push(groups[whole]! & (0xffff << (16 - (bits % 16))) & 0xffff);
  return `${kept.map((group) => group.toString(16)).join(':')}::/${bits}`;
}

/** The address as IPv4 text when it is IPv4 or IPv4-mapped IPv6 (::ffff:203.0.113.7, what a dual-stack socket reports). */
function asIPv4(address: string): string | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const candidate = mapped ? mapped[1]! : address;
  return isIPv4(candidate) ? candidate : null;
}

function prefixOf(address: string, ipv6Bits: number): string | null {
  const v4 = asIPv4(address);
  if (v4) return `${v4.split('.').slice(0, 3).join('.')}.0/24`;
  return isIPv6(address) ? ipv6Prefix(address, ipv6Bits) : null;
}

/**
 * The identity network of a client address: "203.0.113.0/24" or "2001:db8:abcd:1200::/56".
 * @returns null when `address` is not an IP address
 */
export function identityPrefix(address: string): string | null {
  return prefixOf(address, IPV6_IDENTITY_BITS);
}

/**
 * The guard network of a client address: "203.0.113.0/24" or "2001:db8:abcd::/48".
 * @returns null when `address` is not an IP address
 */
export function guardPrefix(address: string): string | null {
  return prefixOf(address, IPV6_GUARD_BITS);
}

/**
 * The network a client address belongs to: its IPv4 /24 or IPv6 /48 prefix. Anonymous readers are told apart
 * by network (a reader can drop a cookie but not easily change network), and only a keyed hash of the prefix
 * is ever stored. Pure: no I/O.
 *
 * Why these sizes: a /24 is the longest IPv4 prefix generally accepted in global routing, and a /48 the classic
 * IPv6 assignment to one end site (RFC 3177, revised by RFC 6177), so one household or office maps to one prefix.
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

/**
 * The network prefix of a client address, as text: "203.0.113.0/24" or "2001:db8:1::/48".
 * IPv4-mapped IPv6 addresses (::ffff:203.0.113.7, what a dual-stack socket reports) count as IPv4.
 * @returns null when `address` is not an IP address
 */
export function networkPrefix(address: string): string | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const candidate = mapped ? mapped[1]! : address;
  if (isIPv4(candidate)) return `${candidate.split('.').slice(0, 3).join('.')}.0/24`;
  if (!isIPv6(candidate)) return null;
  const groups = ipv6Groups(candidate.toLowerCase()).slice(0, 3).map((group) => group.toString(16));
  return `${groups.join(':')}::/48`;
}

/**
 * Anonymous readers: an opaque reader id that imgmod signs and keeps in its own cookie, and the keyed hash
 * of the reader's network prefix. The raw address is never stored: only HMAC-SHA256(key, "203.0.113.0/24").
 * Keys are derived from JWT_SECRET with a label each, so rotating JWT_SECRET also forgets anonymous readers.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * An anonymous reader. `id` is `anon:<uuid>`; `networkHash` identifies their network prefix, not them; `siteId`
 * is the site whose pages the cookie was issued for (each site's cookie is its own).
 */
export interface AnonymousReader {
  kind: 'anonymous';
  id: string;
  networkHash: string;
  siteId: string;
}

/**
 * What a cookie's HMAC covers: the uuid for the first-party site (the cookies issued before sites existed stay
 * valid), `<site>:<uuid>` for any other, so one site's cookie is worthless to another.
 */
function signed(uuid: string, siteId: string): string {
  return siteId === 'default' ? uuid : `${siteId}:${uuid}`;
}

/** A 32-byte key for one purpose, derived from the service secret: HMAC-SHA256(secret, label). */
export function deriveKey(secret: string, label: 'reader-cookie' | 'network-hash' | 'demo-site'): Buffer {
  return createHmac('sha256', secret).update(label).digest();
}

function mac(key: Buffer, value: string): Buffer {
  return createHmac('sha256', key).update(value).digest();
}

/** A new cookie value `<uuid>.<base64url HMAC>` for a site (default: the first-party site) and the reader id it carries. */
export function newReaderCookie(key: Buffer, siteId = 'default'): { readerId: string; cookie: string } {
  const uuid = randomUUID();
  return { readerId: `anon:${uuid}`, cookie: `${uuid}.${mac(key, signed(uuid, siteId)).toString('base64url')}` };
}

/** The reader id in a site's cookie value, or null when it is missing, malformed or not signed with `key` for that site. */
export function readReaderCookie(key: Buffer, cookie: string | undefined, siteId = 'default'): string | null {
  const match = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(cookie ?? '');
  if (!match) return null;
  // Compared as text: base64url's last character has two unused bits, so decoding would let four spellings of
  // one signature through; only the one we issued is accepted.
  const given = Buffer.from(match[2]!);
  const expected = Buffer.from(mac(key, signed(match[1]!, siteId)).toString('base64url'));
  return given.length === expected.length && timingSafeEqual(given, expected) ? `anon:${match[1]!}` : null;
}

/** The keyed hash of a network prefix (domain/network.ts), hex, 32 characters (128 bits). */
export function networkHash(key: Buffer, prefix: string): string {
  return mac(key, prefix).toString('hex').slice(0, 32);
}

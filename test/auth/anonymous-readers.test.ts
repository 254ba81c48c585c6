import { describe, expect, it } from 'vitest';
import { newReaderCookie, readReaderCookie } from '../../src/auth/anonymous-readers.js';

const key = Buffer.alloc(32, 7);

describe('anonymous reader cookies', () => {
  it('when the cookie is the one issued, then it names its reader', () => {
    const { readerId, cookie } = newReaderCookie(key);
    expect(readReaderCookie(key, cookie)).toBe(readerId);
  });

  it('when the signature is spelled differently but decodes to the same bytes, then the cookie is refused', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const { cookie } = newReaderCookie(key);
    // 32 bytes take 43 base64url characters: the last one carries two unused bits; flipping one keeps the bytes.
    const twin = cookie.slice(0, -1) + alphabet[alphabet.indexOf(cookie.at(-1)!) ^ 1]!;
    expect(Buffer.from(twin.split('.')[1]!, 'base64url')).toEqual(Buffer.from(cookie.split('.')[1]!, 'base64url'));
    expect(readReaderCookie(key, twin)).toBeNull();
  });

  it('when the cookie is malformed or signed with another key, then it is refused', () => {
    const { cookie } = newReaderCookie(key);
    expect(readReaderCookie(Buffer.alloc(32, 8), cookie)).toBeNull();
    expect(readReaderCookie(key, undefined)).toBeNull();
    expect(readReaderCookie(key, 'not-a-cookie')).toBeNull();
  });
});

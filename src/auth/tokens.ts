/**
 * Bearer tokens: JWTs signed HS256 with JWT_SECRET (jose). `sub` is the user id; `role` is `reader`
 * (the default when absent), `moderator` or `admin`. The algorithm is pinned, so a token signed otherwise is
 * refused, and so is one whose lifetime (`exp` − `iat`) is longer than TOKEN_MAX_LIFETIME.
 */
import { webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify, errors } from 'jose';
import { z } from 'zod';
import { isStorableText } from '../text.js';

import { ROLES, type Role } from '../domain/roles.js';

export { ROLES, type Role };

export interface User {
  id: string;
  role: Role;
}

/**
 * `system` names imgmod itself in the audit log, so no user may carry it; and a first-party subject has no
 * colon, which namespaces signed (`<site>:<sub>`), anonymous (`anon:…`) and demo (`demo:…`) readers.
 */
const RESERVED_SUBJECTS = ['system'];

const claimsSchema = z.object({
  sub: z
    .string()
    .min(1)
    .max(200)
    .refine(isStorableText)
    .refine((sub) => !RESERVED_SUBJECTS.includes(sub) && !sub.includes(':')),
  role: z.enum(ROLES).default('reader'),
});

/** Why a token was refused, for the 401 message. */
export class TokenError extends Error {}

const encoder = new TextEncoder();

/**
 * Signs a token.
 * @param input.expiresIn jose duration such as '1h' or '30d' (default '12h')
 */
export async function signToken(secret: string, input: { sub: string; role?: Role; expiresIn?: string }): Promise<string> {
  return new SignJWT({ role: input.role ?? 'reader' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(input.sub)
    .setIssuedAt()
    .setExpirationTime(input.expiresIn ?? '12h')
    .sign(encoder.encode(secret));
}

/** Tokens verified per secret and lifetime rule, kept until they expire; at most VERIFIED_CACHE_SIZE each. */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * An HS256 verification key as a WebCrypto CryptoKey, imported once: jose uses a CryptoKey as it is, but turns a
 * secret KeyObject or bytes into one again at every verification (`crypto.subtle.importKey`, about a fifth of
 * a token's verification).
 * @param secret the shared secret's bytes
 * @returns the key; it rejects (at each await) when WebCrypto refuses the bytes, e.g. an empty secret
 */
export function importHmacKey(secret: Uint8Array): Promise<webcrypto.CryptoKey> {
  const key = webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  // Kept before any verification awaits it: a key that cannot be imported (an empty secret) fails each verification
  // that uses it, never the process as an unhandled rejection.
  key.catch(() => undefined);
  return key;
}

interface Verifier {
  /** The HMAC key, imported once (importHmacKey). */
  key: Promise<webcrypto.CryptoKey>;
  /** token → the user it names and when it expires (ms since the epoch). Oldest first, for eviction. */
  verified: Map<string, { user: User; expiresAtMs: number }>;
}

const verifiers = new Map<string, Verifier>();

function verifierFor(secret: string, maxLifetimeMs: number | undefined): Verifier {
  const name = `${maxLifetimeMs ?? ''}\u0000${secret}`;
  let verifier = verifiers.get(name);
  if (!verifier) verifiers.set(name, (verifier = { key: importHmacKey(encoder.encode(secret)), verified: new Map() }));
  return verifier;
}

/**
 * Verifies a token's signature (HS256 only), expiry (required: a token without `exp` is refused) and claims.
 * A token already verified under the same secret and rule answers from memory until its `exp` (a token cannot be
 * revoked, only expire; sessions are revocable and are not tokens).
 * @param options.maxLifetimeMs when set, `iat` is required and `exp − iat` may be at most this long
 * @returns the user it names
 * @throws TokenError with a short reason: expired, bad signature, malformed or missing claims
 */
export async function verifyToken(secret: string, token: string, options: { maxLifetimeMs?: number } = {}): Promise<User> {
  const verifier = verifierFor(secret, options.maxLifetimeMs);
  const known = verifier.verified.get(token);
  if (known && Date.now() < known.expiresAtMs) return known.user;
  if (known) verifier.verified.delete(token);
  const user = await verifyAnew(await verifier.key, token, options);
  if (verifier.verified.size >= VERIFIED_CACHE_SIZE) verifier.verified.delete(verifier.verified.keys().next().value!);
  verifier.verified.set(token, user);
  return user.user;
}

async function verifyAnew(
  key: webcrypto.CryptoKey,
  token: string,
  options: { maxLifetimeMs?: number },
): Promise<{ user: User; expiresAtMs: number }> {
  let payload: { exp?: number; iat?: number };
  try {
    ({ payload } = await jwtVerify(token, key, { algorithms: ['HS256'], requiredClaims: ['exp'] }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new TokenError('token expired');
    throw new TokenError('token invalid');
  }
  if (options.maxLifetimeMs !== undefined && (payload.iat === undefined || (payload.exp! - payload.iat) * 1000 > options.maxLifetimeMs)) {
    throw new TokenError('token lifetime (exp − iat) is longer than TOKEN_MAX_LIFETIME allows');
  }
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) throw new TokenError('token claims invalid');
  return { user: { id: claims.data.sub, role: claims.data.role }, expiresAtMs: payload.exp! * 1000 };
}

/**
 * Signed readers: short-lived JWTs that a host site's server signs for its logged-in reader. Each site (the
 * sites table, seeded from SIGNED_READER_SITES) names its issuer, audience and keys: HS256 secrets, or JWKS URLs
 * whose RS256/ES256 keys are fetched and cached by jose's createRemoteJWKSet. Algorithms are pinned per key,
 * `sub`, `iat` and `exp` are required, and `iat` may be at most SIGNED_TOKEN_MAX_AGE old. A site with several
 * keys (a rotation under way) accepts a token any of them verifies.
 */
import type { webcrypto } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { isStorableText } from '../text.js';
import type { ReaderKey } from '../db/sites.repository.js';
import { AppError } from '../errors.js';
import { importHmacKey, TokenError } from './tokens.js';

/** How far a host site's clock may be ahead of or behind ours (jose clockTolerance). */
const CLOCK_TOLERANCE = '30s';

/** A reader vouched for by a host site. `id` is `<site id>:<sub>`, so two sites' readers never collide. */
export interface SignedReader {
  kind: 'signed';
  id: string;
  siteId: string;
  /** From the optional `account_created_at` claim; null when the site does not send it. */
  accountCreatedAt: Date | null;
}

/** `account_created_at`: seconds since the epoch (like `iat`) or an ISO 8601 date-time; a date that cannot exist is refused. */
const accountCreatedAt = z
  .union([
    z
      .number()
      .nonnegative()
      .transform((seconds) => new Date(seconds * 1000)),
    z.iso.datetime({ offset: true }).transform((text) => new Date(text)),
  ])
  .refine((date) => !Number.isNaN(date.getTime()), 'not a valid date');

const claimsSchema = z.object({
  sub: z.string().min(1).max(200).refine(isStorableText),
  account_created_at: accountCreatedAt.optional(),
});

/** A site as the verifier needs it: its id, the `iss` and `aud` of its tokens, and its keys. */
export interface VerifierSite {
  id: string;
  issuer: string;
  audience: string;
  keys: readonly ReaderKey[];
}

interface KeyVerifier {
  /** An HS256 secret imported once (importHmacKey), or a JWKS. */
  key: Promise<webcrypto.CryptoKey> | JWTVerifyGetKey;
  algorithms: string[];
}

interface SiteVerifier {
  site: VerifierSite;
  keys: KeyVerifier[];
}

/** The JWKS of each URL, kept across verifiers so that a refreshed site list does not fetch every key set again. */
export type JwksCache = Map<string, JWTVerifyGetKey>;

function keyVerifier(key: ReaderKey, jwks: JwksCache): KeyVerifier {
  if ('secret' in key) return { key: importHmacKey(Buffer.from(key.secret, 'utf8')), algorithms: ['HS256'] };
  let remote = jwks.get(key.jwksUrl);
  if (!remote) {
    remote = createRemoteJWKSet(new URL(key.jwksUrl));
    jwks.set(key.jwksUrl, remote);
  }
  return { key: remote, algorithms: key.algorithms ?? ['RS256', 'ES256'] };
}

/**
 * Why a token was refused (TokenError, answered 401), or, when the site's keys could not be fetched (JWKS
 * unreachable, too slow or not a key set), an AppError 503: the reader did nothing wrong.
 */
function refusal(error: unknown): TokenError | AppError {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) {
    return new AppError({
      code: 'reader_keys_unavailable',
      message: "the site's signing keys (JWKS) could not be fetched; try again later",
    });
  }
  if (error instanceof errors.JWTExpired) {
    return new TokenError(error.claim === 'iat' ? 'token too old: "iat" is beyond SIGNED_TOKEN_MAX_AGE' : 'token expired');
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return new TokenError('token algorithm not allowed for this site');
  if (error instanceof errors.JWKSNoMatchingKey) return new TokenError('token key id (kid) unknown to this site');
  if (error instanceof errors.JWTClaimValidationFailed) return new TokenError(`token claim "${error.claim}" invalid (${error.reason})`);
  return new TokenError('token invalid');
}

export interface SignedReaderVerifier {
  /** True when the token's (unverified) issuer is one of the configured sites: the token is for this verifier. */
  handles(token: string): boolean;
  /**
   * Verifies the token against its site.
   * @throws TokenError expired, wrong algorithm, unknown kid, wrong issuer/audience, too old, or bad claims
   */
  verify(token: string): Promise<SignedReader>;
}

/**
 * One verifier for the given sites; a token is matched to its site by its `iss` claim, then verified with that
 * site's keys, pinned algorithms, issuer and audience.
 * @param sites the active sites that sign reader tokens
 * @param maxAgeMs SIGNED_TOKEN_MAX_AGE: the oldest `iat` accepted
 * @param jwks JWKS fetchers by URL, shared between verifiers (a new map by default)
 */
export function signedReaderVerifier(sites: readonly VerifierSite[], maxAgeMs: number, jwks: JwksCache = new Map()): SignedReaderVerifier {
  const byIssuer = new Map<string, SiteVerifier>(
    sites.map((site) => [site.issuer, { site, keys: site.keys.map((key) => keyVerifier(key, jwks)) }]),
  );
  const issuerOf = (token: string): string | undefined => {
    try {
      return decodeJwt(token).iss;
    } catch {
      return undefined;
    }
  };
  return {
    handles: (token) => {
      const issuer = issuerOf(token);
      return issuer !== undefined && byIssuer.has(issuer);
    },
    async verify(token) {
      const verifier = byIssuer.get(issuerOf(token) ?? '');
      if (!verifier) throw new TokenError('token issuer unknown');
      const options = {
        issuer: verifier.site.issuer,
        audience: verifier.site.audience,
        maxTokenAge: `${Math.floor(maxAgeMs / 1000)}s`,
        requiredClaims: ['sub', 'iat', 'exp'],
        // Host sites' clocks drift: a token issued "in the future" by a few seconds is still fresh.
        clockTolerance: CLOCK_TOLERANCE,
      };
      let payload: unknown;
      let firstError: unknown = new errors.JWSInvalid('the site has no reader keys');
      for (const [index, { key, algorithms }] of verifier.keys.entries()) {
        try {
          const keyOptions = { ...options, algorithms };
          ({ payload } =
            typeof key === 'function' ? await jwtVerify(token, key, keyOptions) : await jwtVerify(token, await key, keyOptions));
          break;
        } catch (error) {
          if (index === 0) firstError = error;
        }
      }
      if (payload === undefined) throw refusal(firstError);
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) throw new TokenError('token claims invalid');
      return {
        kind: 'signed',
        id: `${verifier.site.id}:${claims.data.sub}`,
        siteId: verifier.site.id,
        accountCreatedAt: claims.data.account_created_at ?? null,
      };
    },
  };
}

/**
 * Use cases: a site's API keys, for its own server (upload, list its images). A key is `imk_<site>_<43
 * base64url characters>` (256 random bits), shown once when made and stored as its SHA-256 only: with that
 * much entropy a plain hash is enough (no guessing to slow down), and a lookup is one indexed read.
 * `last_used_at` is written at most once a minute per key and process, not on every request.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Deps } from '../deps.js';
import { withTransaction } from '../db/pool.js';
import { appendOperatorEvent } from '../db/operator-events.repository.js';
import {
  findActiveKeyByHash,
  insertSiteApiKey,
  listSiteApiKeys,
  revokeOtherSiteApiKeys,
  revokeSiteApiKey,
  touchSiteApiKey,
  type SiteApiKeyRow,
} from '../db/site-api-keys.repository.js';
import { findSite } from '../db/sites.repository.js';
import { notFound } from '../errors.js';

/** Every site API key starts with this, so a bearer token is recognised as one without a lookup. */
export const SITE_KEY_PREFIX = 'imk_';
/** How often at most a key's last use is written, per process (ms). */
export const LAST_USED_WRITE_INTERVAL_MS = 60_000;
/** Characters of a key kept in clear to tell keys apart in listings: `imk_<site>_` plus four. */
const SHOWN_RANDOM_CHARS = 4;

const KEY_PATTERN = /^imk_([a-z0-9][a-z0-9-]{0,39})_([A-Za-z0-9_-]{43})$/;

/** The SHA-256 of a key, hex. */
export function hashSiteKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** True when a bearer token has the shape of a site API key. */
export function isSiteKey(token: string): boolean {
  return token.startsWith(SITE_KEY_PREFIX);
}

/**
 * Makes a new key for a site; the key itself is in the answer and nowhere else.
 * @param input.revokeOthers also revoke every other key of the site (a rotation that ends the old keys now)
 * @returns the stored key's record and the key
 * @throws AppError 404 for an unknown site
 */
export async function createSiteApiKey(
  deps: Pick<Deps, 'pool'>,
  input: { siteId: string; label?: string; createdBy: string | null; revokeOthers?: boolean },
): Promise<{ key: string; record: SiteApiKeyRow; revoked: number }> {
  const secret = randomBytes(32).toString('base64url');
  const key = `${SITE_KEY_PREFIX}${input.siteId}_${secret}`;
  return withTransaction(deps.pool, async (client) => {
    if (!(await findSite(client, input.siteId))) throw notFound('site');
    const record = await insertSiteApiKey(client, {
      id: randomUUID(),
      siteId: input.siteId,
      prefix: `${SITE_KEY_PREFIX}${input.siteId}_${secret.slice(0, SHOWN_RANDOM_CHARS)}`,
      keyHash: hashSiteKey(key),
      label: input.label ?? '',
      createdBy: input.createdBy,
    });
    const revoked = input.revokeOthers ? await revokeOtherSiteApiKeys(client, { siteId: input.siteId, keepId: record.id }) : 0;
    await appendOperatorEvent(client, {
      actorId: input.createdBy,
      action: 'site_api_key_created',
      target: input.siteId,
      details: { keyId: record.id, prefix: record.prefix, revokedOthers: revoked },
    });
    return { key, record, revoked };
  });
}

/** A site's keys without their secrets, newest first. @throws AppError 404 for an unknown site */
export async function listSiteKeys(deps: Pick<Deps, 'pool'>, siteId: string): Promise<SiteApiKeyRow[]> {
  if (!(await findSite(deps.pool, siteId))) throw notFound('site');
  return listSiteApiKeys(deps.pool, siteId);
}

/** Revokes one key of a site at once. @throws AppError 404 when the site has no such unrevoked key */
export async function revokeSiteKey(
  deps: Pick<Deps, 'pool'>,
  input: { siteId: string; keyId: string; adminId: string | null },
): Promise<void> {
  await withTransaction(deps.pool, async (client) => {
    if (!(await revokeSiteApiKey(client, { siteId: input.siteId, id: input.keyId }))) throw notFound('API key');
    await appendOperatorEvent(client, {
      actorId: input.adminId,
      action: 'site_api_key_revoked',
      target: input.siteId,
      details: { keyId: input.keyId },
    });
  });
}

/** The site and key a valid API key stands for. */
export interface SiteKeyHolder {
  siteId: string;
  keyId: string;
}

/** Checks site API keys; keeps when it last wrote each key's last use (one per process). */
export interface SiteKeyVerifier {
  /** The key's site and id, or null for an unknown, malformed or revoked key, or a key of a disabled site. */
  verify(key: string): Promise<SiteKeyHolder | null>;
}

/** Builds the verifier of one process. */
export function siteKeyVerifier(deps: Pick<Deps, 'pool' | 'logger'>): SiteKeyVerifier {
  const lastWritten = new Map<string, number>();
  return {
    async verify(key) {
      const match = KEY_PATTERN.exec(key);
      if (!match) return null;
      const row = await findActiveKeyByHash(deps.pool, hashSiteKey(key));
      if (!row || row.siteId !== match[1] || row.siteStatus !== 'active') return null;
      const now = Date.now();
      if (now - (lastWritten.get(row.id) ?? 0) >= LAST_USED_WRITE_INTERVAL_MS) {
        lastWritten.set(row.id, now);
        // Bookkeeping only: a failure to record the use must not refuse the request.
        await touchSiteApiKey(deps.pool, row.id).catch((error: unknown) =>
          deps.logger.warn({ err: error }, 'could not record an API key use'),
        );
      }
      return { siteId: row.siteId, keyId: row.id };
    },
  };
}

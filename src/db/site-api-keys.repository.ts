/** SQL for site_api_keys: a site's server keys, stored as SHA-256 hashes only. */
import type { Queryable } from './pool.js';

export interface SiteApiKeyRow {
  id: string;
  siteId: string;
  /** The key's first characters, to tell keys apart; never enough to use it. */
  prefix: string;
  label: string;
  createdBy: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const COLUMNS = `id, site_id AS "siteId", prefix, label, created_by AS "createdBy", created_at AS "createdAt",
  last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`;

/** Stores a new key by its hash. */
export async function insertSiteApiKey(
  db: Queryable,
  key: { id: string; siteId: string; prefix: string; keyHash: string; label: string; createdBy: string | null },
): Promise<SiteApiKeyRow> {
  const result = await db.query<SiteApiKeyRow>(
    `INSERT INTO site_api_keys (id, site_id, prefix, key_hash, label, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [key.id, key.siteId, key.prefix, key.keyHash, key.label, key.createdBy],
  );
  return result.rows[0]!;
}

/** The unrevoked key with this hash, with its site's status, or null. */
export async function findActiveKeyByHash(db: Queryable, keyHash: string): Promise<(SiteApiKeyRow & { siteStatus: string }) | null> {
  const result = await db.query<SiteApiKeyRow & { siteStatus: string }>(
    `SELECT k.id, k.site_id AS "siteId", k.prefix, k.label, k.created_by AS "createdBy", k.created_at AS "createdAt",
            k.last_used_at AS "lastUsedAt", k.revoked_at AS "revokedAt", s.status AS "siteStatus"
     FROM site_api_keys k JOIN sites s ON s.id = k.site_id WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
    [keyHash],
  );
  return result.rows[0] ?? null;
}

/** A site's keys, newest first (revoked ones too). */
export async function listSiteApiKeys(db: Queryable, siteId: string): Promise<SiteApiKeyRow[]> {
  return (await db.query<SiteApiKeyRow>(`SELECT ${COLUMNS} FROM site_api_keys WHERE site_id = $1 ORDER BY created_at DESC, id`, [siteId]))
    .rows;
}

/** Revokes one key of a site. @returns false when the site has no such unrevoked key */
export async function revokeSiteApiKey(db: Queryable, query: { siteId: string; id: string }): Promise<boolean> {
  const result = await db.query('UPDATE site_api_keys SET revoked_at = now() WHERE site_id = $1 AND id = $2 AND revoked_at IS NULL', [
    query.siteId,
    query.id,
  ]);
  return (result.rowCount ?? 0) > 0;
}

/** Revokes every unrevoked key of a site but `keepId`. @returns how many */
export async function revokeOtherSiteApiKeys(db: Queryable, query: { siteId: string; keepId: string }): Promise<number> {
  const result = await db.query('UPDATE site_api_keys SET revoked_at = now() WHERE site_id = $1 AND id <> $2 AND revoked_at IS NULL', [
    query.siteId,
    query.keepId,
  ]);
  return result.rowCount ?? 0;
}

/** Records a key's use now. */
export async function touchSiteApiKey(db: Queryable, id: string): Promise<void> {
  await db.query('UPDATE site_api_keys SET last_used_at = now() WHERE id = $1', [id]);
}

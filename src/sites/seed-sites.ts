/**
 * Start-up: each SIGNED_READER_SITES entry is upserted into the sites table, so a single-site set-up configured
 * by environment keeps working. The environment owns what it names (issuer, audience, key, and the name,
 * origins and anonymous policy when given); what an admin set otherwise, the status included, is kept.
 */
import type { SignedSite } from '../config.js';
import type { Deps } from '../deps.js';
import { withTransaction, type Queryable } from '../db/pool.js';
import { findSiteListingOrigin, type ReaderKey } from '../db/sites.repository.js';

/** The reader key of one SIGNED_READER_SITES entry. */
function readerKeyOf(site: SignedSite): ReaderKey {
  if (site.secret !== undefined) return { secret: site.secret };
  return site.algorithms ? { jwksUrl: site.jwksUrl!, algorithms: site.algorithms } : { jwksUrl: site.jwksUrl! };
}

/**
 * Upserts every SIGNED_READER_SITES entry, in one transaction.
 * @returns the ids seeded
 * @throws Error naming the entry when its issuer belongs to another site
 */
export async function seedSitesFromEnv(deps: Pick<Deps, 'pool' | 'config'>): Promise<string[]> {
  const sites = deps.config.SIGNED_READER_SITES;
  if (sites.length === 0) return [];
  await withTransaction(deps.pool, async (client) => {
    for (const site of sites) {
      await upsert(client, site);
    }
  });
  return sites.map((site) => site.id);
}

async function upsert(client: Queryable, site: SignedSite): Promise<void> {
  const taken = await findSiteListingOrigin(client, { exceptId: site.id, origins: site.origins ?? [] });
  if (taken)
    throw new Error(`SIGNED_READER_SITES: the origin ${taken.origin} of site ${site.id} belongs to site ${taken.id}; change one of them`);
  try {
    await client.query(
      `INSERT INTO sites (id, name, issuer, audience, reader_keys, allowed_origins, anonymous_reports)
         VALUES ($1, coalesce($2, $1), $3, $4, $5, coalesce($6, '{}'::text[]), coalesce($7, 'off'))
         ON CONFLICT (id) DO UPDATE SET name = coalesce($2, sites.name), issuer = excluded.issuer, audience = excluded.audience,
           reader_keys = excluded.reader_keys, allowed_origins = coalesce($6, sites.allowed_origins),
           anonymous_reports = coalesce($7, sites.anonymous_reports), updated_at = now()`,
      [
        site.id,
        site.name ?? null,
        site.issuer,
        site.audience,
        JSON.stringify([readerKeyOf(site)]),
        site.origins ?? null,
        site.anonymousReports ?? null,
      ],
    );
  } catch (error) {
    if ((error as { code?: string }).code !== '23505') throw error;
    throw new Error(`SIGNED_READER_SITES: the issuer of site ${site.id} (${site.issuer}) belongs to another site; change one of them`, {
      cause: error,
    });
  }
}

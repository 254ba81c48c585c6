/**
 * The sites every API process needs on each reader request (signing keys, origins, anonymous policy), kept in
 * memory: read from PostgreSQL at most every SITES_CACHE_TTL_MS, and at once after an admin change made through
 * this process. A disabled site's tokens, origins and keys therefore stop working within that TTL everywhere.
 */
import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import { listSites, type SiteRow } from '../db/sites.repository.js';
import { signedReaderVerifier, type JwksCache, type SignedReaderVerifier, type VerifierSite } from '../auth/signed-readers.js';
import { demoSite } from '../demo/demo-site.js';
import { siteOfOrigin } from '../domain/sites.js';

/** One reading of the sites table. */
export interface SiteSnapshot {
  sites: readonly SiteRow[];
  byId: ReadonlyMap<string, SiteRow>;
  /** Verifies signed reader tokens of the active sites (and the demo site in demo mode). */
  verifier: SignedReaderVerifier;
  /**
   * The site an anonymous request from `origin` acts on (domain/sites.ts siteOfOrigin): null when its origin
   * belongs to a disabled site.
   */
  siteOfOrigin(origin: string | undefined, ownOrigin: string): string | null;
  /** True when an active site lists `origin` among its allowed origins. */
  allowsOrigin(origin: string): boolean;
}

export interface SiteDirectory {
  /** The current snapshot, read again when older than SITES_CACHE_TTL_MS. */
  snapshot(): Promise<SiteSnapshot>;
  /** Drops the snapshot: the next request reads the table again (after an admin change). */
  invalidate(): void;
}

function verifierSites(sites: readonly SiteRow[], config: Config): VerifierSite[] {
  const signing = sites
    .filter((site) => site.status === 'active' && site.issuer !== null && site.readerKeys.length > 0)
    .map((site) => ({ id: site.id, issuer: site.issuer!, audience: site.audience, keys: site.readerKeys }));
  if (!config.DEMO_MODE) return signing;
  const demo = demoSite(config);
  return [...signing, { id: demo.id, issuer: demo.issuer, audience: demo.audience, keys: [{ secret: demo.secret! }] }];
}

function buildSnapshot(sites: SiteRow[], config: Config, jwks: JwksCache): SiteSnapshot {
  const active = sites.filter((site) => site.status === 'active');
  return {
    sites,
    byId: new Map(sites.map((site) => [site.id, site])),
    verifier: signedReaderVerifier(verifierSites(sites, config), config.SIGNED_TOKEN_MAX_AGE_MS, jwks),
    siteOfOrigin: (origin, ownOrigin) => siteOfOrigin(sites, origin, ownOrigin),
    allowsOrigin: (origin) => active.some((site) => site.allowedOrigins.includes(origin)),
  };
}

/**
 * Builds the directory of one process. Concurrent requests share one read of the table (single flight); a
 * failed read is not cached, so the next request tries again.
 */
export function siteDirectory(deps: Pick<Deps, 'pool' | 'config'>): SiteDirectory {
  const jwks: JwksCache = new Map();
  let current: { snapshot: SiteSnapshot; readAt: number } | null = null;
  let loading: Promise<SiteSnapshot> | null = null;
  let generation = 0;
  const load = async (): Promise<SiteSnapshot> => {
    const started = generation;
    const snapshot = buildSnapshot(await listSites(deps.pool), deps.config, jwks);
    // A change made while this read was under way is not overwritten by the older reading.
    if (started === generation) current = { snapshot, readAt: Date.now() };
    return snapshot;
  };
  return {
    async snapshot() {
      if (current && Date.now() - current.readAt < deps.config.SITES_CACHE_TTL_MS) return current.snapshot;
      loading ??= load().finally(() => {
        loading = null;
      });
      return loading;
    },
    invalidate() {
      generation += 1;
      current = null;
      loading = null;
    },
  };
}

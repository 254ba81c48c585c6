/**
 * Configuration: every environment variable imgmod reads, validated once at start-up.
 * A bad value stops the process with a message naming the variable (fail fast).
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { parseDurationMs, parseRateLimits } from './domain/durations.js';
import { REPORT_REASONS, type ReportReason } from './domain/reports.js';
import { RESERVED_SITE_IDS as RESERVED_READER_PREFIXES } from './domain/sites.js';

const DEV_JWT_SECRET = 'imgmod-development-secret-change-me';

const positiveInt = z.coerce.number().int().positive();

/** "illegal=2,nudity=2.5" → { illegal: 2, nudity: 2.5 }; "none" → {}. */
const reasonThresholds = z.string().transform((value, ctx) => {
  const result: Partial<Record<ReportReason, number>> = {};
  if (value.trim() === 'none') return result;
  for (const pair of value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [reason, raw] = pair.split('=').map((part) => part.trim());
    const threshold = Number(raw);
    if (!REPORT_REASONS.includes(reason as ReportReason) || !(threshold > 0)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${pair}" is not <reason>=<positive number> with a reason among ${REPORT_REASONS.join(', ')}`,
      });
      return z.NEVER;
    }
    result[reason as ReportReason] = threshold;
  }
  return result;
});

/** "staff-photos=2,agency=1.5" → { 'staff-photos': 2, agency: 1.5 }: uploader id → threshold factor ≥ 1. */
const uploaderFactors = z.string().transform((value, ctx) => {
  const result: Record<string, number> = {};
  for (const pair of value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const at = pair.lastIndexOf('=');
    const uploader = pair.slice(0, at).trim();
    const factor = Number(pair.slice(at + 1));
    if (at <= 0 || !(factor >= 1) || !Number.isFinite(factor)) {
      ctx.addIssue({ code: 'custom', message: `"${pair}" is not <uploader id>=<factor of at least 1>` });
      return z.NEVER;
    }
    result[uploader] = factor;
  }
  return result;
});

/** "10m", "3d": a duration, parsed to milliseconds. */
const durationMs = z.string().transform((value, ctx) => {
  const ms = parseDurationMs(value);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration such as 90s, 10m, 1h or 3d` });
    return z.NEVER;
  }
  return ms;
});

/** "2/3s,20/1d": rate limits, each points/duration. */
const rateLimits = z.string().transform((value, ctx) => {
  const limits = parseRateLimits(value);
  if (limits === null) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a list of points/duration such as 2/3s,20/1d (or none)` });
    return z.NEVER;
  }
  return limits;
});

/** "https://a.example, https://b.example" → exact origins (scheme://host[:port], no path). */
/** A comma list of host names, each `example.com` or `*.example.com` (lower-cased). */
const hostList = z.string().transform((value, ctx) => {
  const hosts = value
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter(Boolean);
  for (const host of hosts) {
    if (!/^(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?$|^\[?[0-9a-f:.]+\]?$/.test(host)) {
      ctx.addIssue({ code: 'custom', message: `"${host}" is not a host such as photos.example.com or *.example.com` });
      return z.NEVER;
    }
  }
  return hosts;
});

const originList = z.string().transform((value, ctx) => {
  const origins = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      ctx.addIssue({ code: 'custom', message: `"${origin}" is not an origin such as https://news.example` });
      return z.NEVER;
    }
  }
  return origins;
});

/** proxy-addr's named ranges: 127.0.0.1/8 and ::1, 169.254.0.0/16 and fe80::/10, private networks and fc00::/7. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** True for an address, an address/prefix (CIDR) or one of proxy-addr's range names. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.includes(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= bits;
}

/**
 * express `trust proxy`: `false`, `true`, a hop count, or a comma list of addresses, CIDRs and the names
 * loopback, linklocal, uniquelocal (proxy-addr's). Anything else ("yes") is refused here rather than throwing a
 * TypeError out of express at start-up.
 */
const trustProxy = z.string().transform((value, ctx): boolean | number | string[] => {
  const trimmed = value.trim();
  if (trimmed === 'false' || trimmed === 'true') return trimmed === 'true';
  if (/^\d{1,2}$/.test(trimmed)) return Number(trimmed);
  const entries = trimmed
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const bad = entries.filter((entry) => !isProxyAddress(entry));
  if (entries.length === 0 || bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `"${bad[0] ?? value}" is not false, a hop count (1), loopback, linklocal, uniquelocal, or a comma list of proxy addresses and CIDRs (10.0.0.0/8, ::1)`,
    });
    return z.NEVER;
  }
  return entries;
});

/** A redis:// or rediss:// URL whose path, if any, is a database number: "/1" selects database 1. */
const redisUrl = z.string().superRefine((value, ctx) => {
  if (!/^rediss?:\/\//.test(value)) {
    ctx.addIssue({ code: 'custom', message: `must start with redis:// or rediss:// (TLS), as in redis://127.0.0.1:6379/0` });
  } else if (!URL.canParse(value)) {
    ctx.addIssue({ code: 'custom', message: `"${redactUrl(value)}" is not a URL such as redis://127.0.0.1:6379/0` });
  } else if (!/^(\/(\d{1,5})?)?$/.test(new URL(value).pathname)) {
    ctx.addIssue({ code: 'custom', message: `the path "${new URL(value).pathname}" is not a database number such as /1` });
  }
});

/** The database number a REDIS_URL selects (its path, e.g. /1), 0 when it names none. */
export function redisDatabase(url: string): number {
  const path = new URL(url).pathname.slice(1);
  return path === '' ? 0 : Number(path);
}

/** `url` with its password (and user) replaced by "***", for log lines and error messages. */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return url.replace(/\/\/[^@/]*@/, '//***@');
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** Site ids a SIGNED_READER_SITES entry may not take: the reader-id namespaces imgmod uses itself (domain/sites.ts), and `default`. */
const RESERVED_SITE_IDS = [...RESERVED_READER_PREFIXES, 'default'];

/**
 * One host site whose server signs reader tokens: HS256 with `secret`, or RS256/ES256 keys at `jwksUrl`. Each
 * is upserted into the sites table at start-up (src/sites/seed-sites.ts), with its optional name, browser
 * origins and anonymous-report policy.
 */
const signedSite = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    origins: z
      .array(z.url().refine((url) => URL.canParse(url) && new URL(url).origin === url, 'an origin: scheme://host[:port], no path'))
      .optional(),
    anonymousReports: z.enum(['on', 'off']).optional(),
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes')
      .refine((id) => !RESERVED_SITE_IDS.includes(id), `${RESERVED_SITE_IDS.join(', ')} are reserved site ids`),
    issuer: z
      .string()
      .min(1)
      .refine((issuer) => issuer !== 'imgmod-demo', "imgmod-demo is the demo site's issuer"),
    audience: z.string().min(1).default('imgmod'),
    secret: z.string().min(32).optional(),
    jwksUrl: z.url().optional(),
    algorithms: z
      .array(z.enum(['RS256', 'ES256']))
      .min(1)
      .optional(),
  })
  .refine(
    (site) => (site.secret === undefined) !== (site.jwksUrl === undefined),
    'set exactly one of secret (HS256) or jwksUrl (RS256/ES256)',
  );
export type SignedSite = z.infer<typeof signedSite>;

const signedSites = z
  .string()
  .transform((value, ctx) => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not valid JSON (expected an array of sites)' });
      return z.NEVER;
    }
  })
  .pipe(z.array(signedSite))
  .refine((sites) => new Set(sites.map((site) => site.issuer)).size === sites.length, 'two sites share an issuer')
  .refine((sites) => new Set(sites.map((site) => site.id)).size === sites.length, 'two sites share an id')
  .refine((sites) => {
    const secrets = sites.flatMap((site) => (site.secret === undefined ? [] : [site.secret]));
    return new Set(secrets).size === secrets.length;
  }, 'two sites share a secret (each site must have its own: a site could otherwise sign for the other)');

/** The schema of every env var: name → type, default and a one-line note. README lists the same table. */
const schema = z
  .object({
    /** development | production | test. Production refuses the built-in development JWT secret. */
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    /** HTTP port of the API. */
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    /** Interface the API binds to. */
    HOST: z.string().default('0.0.0.0'),
    /** PostgreSQL connection string; the database is created at start-up when missing. */
    DATABASE_URL: z
      .url()
      .refine((url) => /^postgres(ql)?:\/\//.test(url), 'must start with postgres:// or postgresql://')
      .refine(
        (url) => !URL.canParse(url) || new URL(url).pathname.length > 1,
        'must name a database, as in postgres://user@host:5432/imgmod',
      )
      .default('postgres://postgres@127.0.0.1:5432/imgmod'),
    /** Redis connection string (queues). */
    REDIS_URL: redisUrl.default('redis://127.0.0.1:6379'),
    /** Prefix of every BullMQ key in Redis, so several deployments can share one Redis. */
    QUEUE_PREFIX: z.string().min(1).default('imgmod'),
    /** Where originals and derivatives are stored: `local` (DATA_DIR) or `s3` (S3_BUCKET). */
    STORAGE_DRIVER: z.enum(['local', 's3']).default('local'),
    /** Directory for stored originals and derivatives when STORAGE_DRIVER=local. */
    DATA_DIR: z.string().min(1).default('./data'),
    /** Bucket for originals and derivatives when STORAGE_DRIVER=s3 (required then). */
    S3_BUCKET: z.string().min(3).optional(),
    /** Region of the bucket. */
    S3_REGION: z.string().min(1).default('us-east-1'),
    /** Endpoint of an S3-compatible service (MinIO, R2, …); unset for AWS S3. */
    S3_ENDPOINT: z.url().optional(),
    /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible services need. */
    S3_FORCE_PATH_STYLE: z.stringbool().default(false),
    /** Access key; unset to use the AWS SDK's default credential chain (env, profile, instance role). */
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    /** Secret of S3_ACCESS_KEY_ID. */
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    /** HS256 secret for bearer tokens; at least 32 characters in production. */
    JWT_SECRET: z.string().min(16).default(DEV_JWT_SECRET),
    /** Largest accepted upload, in bytes (20 MB). */
    MAX_UPLOAD_BYTES: positiveInt.default(20 * 1024 * 1024),
    /** Largest accepted image, in pixels (width × height × frames), checked from the header before decoding. */
    MAX_INPUT_PIXELS: positiveInt.default(40_000_000),
    /** Longest accepted width or height, in pixels: 16383 is the largest side WebP can encode. */
    MAX_INPUT_SIDE: positiveInt.default(16_383),
    /** Most frames accepted in an animation (the review contact sheet shows each one). */
    MAX_FRAMES: positiveInt.default(100),
    /** libvips threads per sharp pipeline; jobs already run in parallel, so 1 keeps threads near the cores. */
    SHARP_CONCURRENCY: positiveInt.default(1),
    /**
     * Largest Hamming distance (bits of 256) at which two PDQ hashes are the same picture, for near-duplicates
     * of an image (reports across copies, blocking copies on uphold); at most 15, all the multi-index finds.
     */
    PHASH_MATCH_DISTANCE: z.coerce.number().int().min(0).max(15).default(15),
    /** Score at which an image is auto-blocked: with weight 1.0 per reader, this many distinct readers. */
    AUTO_BLOCK_THRESHOLD: z.coerce.number().positive().default(3),
    /** Lower thresholds for single reasons, as reason=score pairs: illegal content blocks sooner. */
    REASON_THRESHOLDS: reasonThresholds.default(() => ({ illegal: 2 })),
    /** A restored image needs this many times the threshold to be auto-blocked again. */
    RESTORED_THRESHOLD_FACTOR: z.coerce.number().min(1).default(2),
    /** Hours during which a reader whose report on an image was dismissed counts 0 when reporting it again. */
    REFLAG_COOLDOWN_HOURS: z.coerce.number().min(0).default(24),
    /** Concurrent process-image jobs per worker process (sharp is CPU-bound: about one per core). */
    THUMBNAIL_CONCURRENCY: positiveInt.default(2),
    /** Concurrent evaluate-image jobs per worker process (short database transactions). */
    EVALUATE_CONCURRENCY: positiveInt.default(8),
    /** Time budget (ms) for all sharp work of one upload or job; a slower file fails instead of stalling. */
    JOB_TIMEOUT_MS: positiveInt.default(30_000),
    /** Fallback poll interval (ms) of the outbox relay; PostgreSQL NOTIFY wakes it sooner. */
    OUTBOX_POLL_MS: positiveInt.default(1_000),
    /** How long an API process may keep what /i/:id serves of an image (ms); a change drops it at once; 0 turns the cache off. */
    SERVING_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
    /** Memory (MiB) an API process may keep of derivative bytes for the serving cache; 0 keeps none. */
    SERVING_CACHE_MB: z.coerce.number().int().min(0).max(16_384).default(64),
    /** A relayed job that has not run after this long (ms) is sent again (covers Redis losing its data). */
    OUTBOX_RESEND_AFTER_MS: positiveInt.default(60_000),
    /** PostgreSQL connections per pool; each process has one for the API and one for the workers. */
    DB_POOL_SIZE: positiveInt.default(10),
    /** Most a caller waits for a free PostgreSQL connection (ms) before the request answers 503. */
    DB_ACQUIRE_TIMEOUT_MS: positiveInt.default(2_000),
    /** statement_timeout (ms) of the API's sessions: a request's statement running longer is cancelled (503). */
    DB_STATEMENT_TIMEOUT_MS: positiveInt.default(5_000),
    /**
     * lock_timeout (ms) of the API's sessions: a request waiting longer for a row lock answers 503 `database_busy`.
     * Above PostgreSQL's deadlock_timeout (1 s), so a deadlock is detected (and retried) before it times out.
     */
    DB_LOCK_TIMEOUT_MS: positiveInt.default(2_000),
    /** statement_timeout (ms) of the workers' sessions. */
    JOB_STATEMENT_TIMEOUT_MS: positiveInt.default(30_000),
    /** lock_timeout (ms) of the workers' sessions: a job waiting longer for a lock fails and is retried. */
    JOB_LOCK_TIMEOUT_MS: positiveInt.default(5_000),
    /** idle_in_transaction_session_timeout (ms) of every session: a stuck holder of a lock (a paused process) loses it after this. */
    DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: positiveInt.default(10_000),
    /** Most time (ms) SIGTERM leaves in-flight requests and jobs to finish before connections are cut. */
    SHUTDOWN_TIMEOUT_MS: positiveInt.default(20_000),
    /** Most time (ms) a client has to send a whole request (headers and body); slower ones get 408. */
    REQUEST_TIMEOUT_MS: positiveInt.default(60_000),
    /** Uploads read at once per API process; more answer 503 `too_many_uploads` (memory stays under this × MAX_UPLOAD_BYTES). */
    UPLOAD_CONCURRENCY: positiveInt.default(4),

    /** express `trust proxy`: whose X-Forwarded-For to believe for the client address (false: the socket's). */
    TRUST_PROXY: trustProxy.default(false),
    /** Origins whose pages may call the reader API from a browser (CORS, with credentials). */
    ALLOWED_ORIGINS: originList.default([]),
    /** Anonymous reports: "on" (from any allowed origin), "off", or the origins that may send them. */
    ANONYMOUS_REPORTS: z.union([z.enum(['on', 'off']), originList]).default('on'),
    /** Weight of an anonymous report (an ordinary signed reader weighs 1). */
    ANONYMOUS_REPORT_WEIGHT: z.coerce.number().min(0).max(1).default(0.5),
    /** Most a report from a signed account younger than NEW_ACCOUNT_AGE weighs (an ordinary reader weighs 1). */
    NEW_ACCOUNT_REPORT_WEIGHT: z.coerce.number().min(0).max(1).default(0.5),
    /** JSON array of host sites that sign reader tokens: { id, issuer, audience, secret | jwksUrl, algorithms? }. */
    SIGNED_READER_SITES: signedSites.default([]),
    /** How long each process keeps the sites table in memory before reading it again; an admin change on this process applies at once (ms). */
    SITES_CACHE_TTL_MS: positiveInt.default(5_000),
    /** Auto-blocks per site and hour always allowed before the circuit breaker trips (README "Sites"). */
    SITE_BREAKER_FLOOR: positiveInt.default(5),
    /** Multiple of a site's usual hourly auto-block rate (trailing 7 days) that trips its circuit breaker. */
    SITE_BREAKER_FACTOR: z.coerce.number().min(1).default(10),
    /** How long a tripped circuit breaker holds a site's auto-blocks for review, unless an admin resets it (ms). */
    SITE_BREAKER_COOLDOWN: durationMs.default(3_600_000),
    /** Oldest accepted signed reader token, from its `iat` (parsed to milliseconds). */
    SIGNED_TOKEN_MAX_AGE: durationMs.default(10 * 60_000),
    /** Signed accounts younger than this (from `account_created_at`) are low-trust reporters (ms; Forem: 3 days). */
    NEW_ACCOUNT_AGE: durationMs.default(3 * 86_400_000),
    /** Reports within BRIGADE_WINDOW that make a burst the brigade guard examines. */
    BRIGADE_MIN_REPORTS: positiveInt.default(5),
    /** The brigade guard's window (parsed to milliseconds). */
    BRIGADE_WINDOW: durationMs.default(3_600_000),
    /** Distinct guard networks of ordinary readers that corroborate an auto-block when no proven reader reported. */
    CORROBORATION_QUORUM: positiveInt.default(2),
    /** Unproven signed accounts (3 or more) all created within this window count as low-trust; 0 turns it off (ms). */
    ACCOUNT_CLUSTER_WINDOW: z.union([z.literal('0').transform(() => 0), durationMs]).default(10 * 60_000),
    /** Threshold factors for trusted uploaders, as uploader=factor pairs (≥ 1): their images need more reports. */
    UPLOADER_THRESHOLD_FACTORS: uploaderFactors.default(() => ({})),
    /** Reports per signed or anonymous reader (Coral: 2 per 3 s; Discourse: 20 a day). */
    RATE_LIMIT_READER: rateLimits.default([
      { points: 2, durationSeconds: 3 },
      { points: 20, durationSeconds: 86_400 },
    ]),
    /** Anonymous reports per network prefix (IPv4 /24, IPv6 /48): three readers' worth. */
    RATE_LIMIT_NETWORK: rateLimits.default([
      { points: 6, durationSeconds: 3 },
      { points: 60, durationSeconds: 86_400 },
    ]),
    /** The /demo page, which signs demo readers' tokens: on by default except in production. */
    DEMO_MODE: z.stringbool().optional(),
    /** Longest lifetime (exp − iat) of a first-party bearer token; longer ones are refused (ms). */
    TOKEN_MAX_LIFETIME: durationMs.default(24 * 3_600_000),
    /** A moderator session unused for this long ends (ms). */
    SESSION_IDLE_TIMEOUT: durationMs.default(3_600_000),
    /** A moderator session ends this long after sign-in, however active (ms). */
    SESSION_MAX_AGE: durationMs.default(12 * 3_600_000),
    /** Signing in to /moderate by pasting a moderator token: on by default except in production. */
    MODERATOR_TOKEN_SIGNIN: z.stringbool().optional(),
    /** The organisation's OpenID Connect issuer (discovery at /.well-known/openid-configuration); unset: no OIDC sign-in. */
    OIDC_ISSUER: z.url().optional(),
    /** imgmod's client id at the issuer. */
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    /** imgmod's client secret at the issuer. */
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    /** Where the issuer sends moderators back: this service's /auth/callback as the browser sees it (default: from the request). */
    OIDC_REDIRECT_URL: z.url().optional(),
    /** The claim that lists a user's groups or roles. */
    OIDC_ROLES_CLAIM: z.string().min(1).default('groups'),
    /** The value of OIDC_ROLES_CLAIM that grants the moderator role. */
    OIDC_MODERATOR_ROLE: z.string().min(1).default('imgmod-moderator'),
    /** The value of OIDC_ROLES_CLAIM that grants the admin role. */
    OIDC_ADMIN_ROLE: z.string().min(1).default('imgmod-admin'),
    /** An auto-blocked image not reviewed within this long is overdue (ms). */
    REVIEW_DEADLINE: durationMs.default(24 * 3_600_000),
    /** What happens to an overdue auto-block: `keep` it blocked (flagged overdue), or `restore` it to visible. */
    OVERDUE_ACTION: z.enum(['keep', 'restore']).default('keep'),
    /** How long an image a moderator opened shows as taken to the others (ms). */
    CLAIM_DURATION: durationMs.default(5 * 60_000),
    /** How long start-up waits for PostgreSQL and Redis to answer (retrying with backoff) before it gives up and exits 1 (ms). */
    STARTUP_TIMEOUT_MS: positiveInt.default(30_000),
    /** Bearer token GET /metrics requires; unset: /metrics is open to whoever reaches its port. */
    METRICS_TOKEN: z.string().min(16).optional(),
    /** Serve /metrics on this port (its own listener, on HOST) instead of PORT; unset: on PORT. */
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    /** How often the metrics that need SQL (images per status, outbox backlog, overdue reviews…) are refreshed (ms). */
    METRICS_REFRESH_MS: positiveInt.default(15_000),
    /** Hosts the first-party site may register images from by URL (`example.com`, `*.example.com`); none: registration by URL is refused. */
    REGISTER_URL_HOSTS: hostList.default([]),
    /** Time budget (ms) for fetching an image registered by URL: resolution, redirects and the whole body. */
    FETCH_TIMEOUT_MS: positiveInt.default(15_000),
    /** Lets outbound fetches (register by URL, webhooks) reach loopback addresses: for tests only, refused in production. */
    OUTBOUND_ALLOW_LOOPBACK: z.stringbool().default(false),
    /** Time (ms) a webhook endpoint has to answer one delivery attempt before it counts as failed. */
    WEBHOOK_TIMEOUT_MS: positiveInt.default(10_000),
    /** Webhook delivery attempts run at once per worker process: a hanging endpoint holds two slots at most, one site half of them. */
    WEBHOOK_CONCURRENCY: positiveInt.default(10),
    /** First retry wait of a failed webhook delivery (ms); each later one doubles, with jitter, up to 2 h. */
    WEBHOOK_RETRY_BASE_MS: positiveInt.default(10_000),
    /** A webhook delivery not accepted within this long after its event is given up (marked failed), in ms. */
    WEBHOOK_GIVE_UP_AFTER_MS: positiveInt.default(24 * 3_600_000),
    /** pino log level. */
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .transform((env) => ({
    ...env,
    DEMO_MODE: env.DEMO_MODE ?? env.NODE_ENV !== 'production',
    MODERATOR_TOKEN_SIGNIN: env.MODERATOR_TOKEN_SIGNIN ?? env.NODE_ENV !== 'production',
  }))
  .superRefine((env, ctx) => {
    if (env.STORAGE_DRIVER === 's3' && !env.S3_BUCKET) {
      ctx.addIssue({ code: 'custom', path: ['S3_BUCKET'], message: 'is required when STORAGE_DRIVER=s3' });
    }
    if (env.OIDC_ISSUER && (!env.OIDC_CLIENT_ID || !env.OIDC_CLIENT_SECRET)) {
      ctx.addIssue({
        code: 'custom',
        path: ['OIDC_CLIENT_ID'],
        message: 'OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are required with OIDC_ISSUER',
      });
    }
    if (env.SESSION_IDLE_TIMEOUT > env.SESSION_MAX_AGE) {
      ctx.addIssue({ code: 'custom', path: ['SESSION_IDLE_TIMEOUT'], message: 'must not be longer than SESSION_MAX_AGE' });
    }
    for (const [index, site] of env.SIGNED_READER_SITES.entries()) {
      if (site.secret !== undefined && site.secret === env.JWT_SECRET) {
        ctx.addIssue({
          code: 'custom',
          path: ['SIGNED_READER_SITES', index, 'secret'],
          message: `site ${site.id}: its secret is JWT_SECRET, with which the site could sign moderator and admin tokens; give it its own`,
        });
      }
      if (env.NODE_ENV === 'production' && site.jwksUrl !== undefined && !site.jwksUrl.startsWith('https://')) {
        ctx.addIssue({
          code: 'custom',
          path: ['SIGNED_READER_SITES', index, 'jwksUrl'],
          message: `site ${site.id}: jwksUrl must use https in production (over plain http anyone on the path can swap the keys)`,
        });
      }
    }
    if (env.NODE_ENV === 'production' && env.OUTBOUND_ALLOW_LOOPBACK) {
      ctx.addIssue({
        code: 'custom',
        path: ['OUTBOUND_ALLOW_LOOPBACK'],
        message: "true is refused in production: it lets a URL given by a site reach services on imgmod's own host",
      });
    }
    if (env.NODE_ENV === 'production' && env.TRUST_PROXY === true) {
      ctx.addIssue({
        code: 'custom',
        path: ['TRUST_PROXY'],
        message:
          'true is refused in production: it believes every X-Forwarded-For hop, so any client chooses its own address and network (rate limits, brigade guard); give the hop count or the proxy addresses instead',
      });
    }
    if (env.METRICS_PORT !== undefined && env.METRICS_PORT === env.PORT && env.PORT !== 0) {
      ctx.addIssue({ code: 'custom', path: ['METRICS_PORT'], message: 'must differ from PORT (unset it to serve /metrics on PORT)' });
    }
    if (env.NODE_ENV === 'production' && (env.JWT_SECRET === DEV_JWT_SECRET || env.JWT_SECRET.length < 32)) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: 'must be set to a secret of at least 32 characters in production',
      });
    }
  })
  // Operators write durations with their unit ("10m", "24h"); in code every duration's name says it is in ms.
  .transform(
    ({
      SIGNED_TOKEN_MAX_AGE,
      NEW_ACCOUNT_AGE,
      BRIGADE_WINDOW,
      ACCOUNT_CLUSTER_WINDOW,
      TOKEN_MAX_LIFETIME,
      SESSION_IDLE_TIMEOUT,
      SESSION_MAX_AGE,
      REVIEW_DEADLINE,
      CLAIM_DURATION,
      SITE_BREAKER_COOLDOWN,
      ...env
    }) => ({
      ...env,
      SIGNED_TOKEN_MAX_AGE_MS: SIGNED_TOKEN_MAX_AGE,
      NEW_ACCOUNT_AGE_MS: NEW_ACCOUNT_AGE,
      BRIGADE_WINDOW_MS: BRIGADE_WINDOW,
      ACCOUNT_CLUSTER_WINDOW_MS: ACCOUNT_CLUSTER_WINDOW,
      TOKEN_MAX_LIFETIME_MS: TOKEN_MAX_LIFETIME,
      SESSION_IDLE_TIMEOUT_MS: SESSION_IDLE_TIMEOUT,
      SESSION_MAX_AGE_MS: SESSION_MAX_AGE,
      REVIEW_DEADLINE_MS: REVIEW_DEADLINE,
      CLAIM_DURATION_MS: CLAIM_DURATION,
      SITE_BREAKER_COOLDOWN_MS: SITE_BREAKER_COOLDOWN,
    }),
  );

export type Config = z.infer<typeof schema>;

/** Thrown by loadConfig when a variable is invalid; its message names every bad variable. */
export class ConfigError extends Error {}

/**
 * Parses and validates configuration from an env map (default: process.env).
 * @returns the typed config with defaults filled in
 * @throws ConfigError naming each invalid variable, e.g. "PORT: Too big: expected number to be <=65535"
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return result.data;
}

/** True when the config still uses the built-in development JWT secret (logged as a warning). */
export function usesDevelopmentSecret(config: Config): boolean {
  return config.JWT_SECRET === DEV_JWT_SECRET;
}

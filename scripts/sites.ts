/**
 * Sites from the command line, against DATABASE_URL (PostgreSQL only; no Redis needed):
 *   npm run sites -- list
 *   npm run sites -- add <id> --name "News" [--origin https://news.example …] [--issuer https://news.example]
 *                        [--secret <32+ chars> | --jwks-url <url> [--algorithm ES256 …]] [--anonymous on|off]
 *   npm run sites -- rotate-key <id> [--label text] [--keep-old]   (prints the new API key once; revokes the others)
 *   npm run sites -- disable <id>
 *   npm run sites -- enable <id>
 *   npm run sites -- move-images <from-site> <to-site>             (e.g. first-party images to a site)
 * The same use cases as /v1/admin/sites; running API processes see a change within SITES_CACHE_TTL_MS.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { migrate } from '../src/db/migrate.js';
import { createPool, ensureDatabase } from '../src/db/pool.js';
import { poolLimits } from '../src/deps.js';
import { AppError } from '../src/errors.js';
import { createSiteApiKey } from '../src/sites/api-keys.js';
import { changeSite, createSite, listSiteViews, moveImages } from '../src/sites/manage-sites.js';
import { newSiteSchema } from '../src/sites/site-settings.js';
import { z } from 'zod';

const usage = `usage: npm run sites -- list
       npm run sites -- add <id> --name text [--origin url …] [--issuer iss] [--secret s | --jwks-url url [--algorithm ES256 …]] [--anonymous on|off]
       npm run sites -- rotate-key <id> [--label text] [--keep-old]
       npm run sites -- disable <id>
       npm run sites -- enable <id>
       npm run sites -- move-images <from-site> <to-site>`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    origin: { type: 'string', multiple: true },
    issuer: { type: 'string' },
    audience: { type: 'string' },
    secret: { type: 'string' },
    'jwks-url': { type: 'string' },
    algorithm: { type: 'string', multiple: true },
    anonymous: { type: 'string' },
    label: { type: 'string', default: 'cli' },
    'keep-old': { type: 'boolean', default: false },
  },
});
const [command, site, other] = positionals;

/** The `add` options as a new site, validated like the admin API's body. */
function newSite(id: string) {
  const readerKeys = values.secret
    ? [{ secret: values.secret }]
    : values['jwks-url']
      ? [{ jwksUrl: values['jwks-url'], ...(values.algorithm ? { algorithms: values.algorithm } : {}) }]
      : undefined;
  const parsed = newSiteSchema.safeParse({
    id,
    name: values.name ?? id,
    ...(values.origin ? { allowedOrigins: values.origin } : {}),
    ...(values.issuer ? { issuer: values.issuer } : {}),
    ...(values.audience ? { audience: values.audience } : {}),
    ...(readerKeys ? { readerKeys } : {}),
    ...(values.anonymous ? { anonymousReports: values.anonymous } : {}),
  });
  if (!parsed.success) throw new AppError({ code: 'bad_request', message: z.prettifyError(parsed.error).replaceAll('\n', ' ') });
  return parsed.data;
}

const config = loadConfig();
await ensureDatabase(config.DATABASE_URL);
const pool = createPool(config.DATABASE_URL, {
  limits: poolLimits(config, 'jobs'),
  name: 'imgmod-sites',
  onError: (error) => console.error(`sites: PostgreSQL: ${error.message}`),
});
try {
  await migrate(pool);
  const deps = { pool, config };
  if (command === 'list') {
    for (const s of await listSiteViews(deps)) {
      const keys = s.readerKeys.map((key) => (key.type === 'secret' ? 'HS256' : `JWKS ${key.jwksUrl}`)).join(', ') || 'no reader keys';
      console.log(`${s.id}\t${s.status}\t${s.name}\t${s.issuer ?? '-'}\t${keys}\t${s.allowedOrigins.join(' ') || '-'}`);
    }
  } else if (command === 'add' && site) {
    const created = await createSite(deps, { site: newSite(site), adminId: 'cli' });
    console.log(`${created.id}: created (${created.status})`);
  } else if (command === 'rotate-key' && site) {
    const { key, record, revoked } = await createSiteApiKey(deps, {
      siteId: site,
      label: values.label,
      createdBy: 'cli',
      revokeOthers: !values['keep-old'],
    });
    console.error(`${site}: new API key ${record.prefix}… (${record.id}); ${revoked} older key(s) revoked. It is shown once:`);
    console.log(key);
  } else if ((command === 'disable' || command === 'enable') && site) {
    const status = command === 'disable' ? 'disabled' : 'active';
    const changed = await changeSite(deps, { id: site, changes: { status }, adminId: 'cli', action: `site_${command}d` });
    console.log(`${changed.id}: ${changed.status}`);
  } else if (command === 'move-images' && site && other) {
    const moved = await moveImages(deps, { from: site, to: other, adminId: 'cli' });
    console.log(`${moved} image(s) moved from ${site} to ${other}`);
  } else {
    console.error(usage);
    process.exitCode = 2;
  }
} catch (error) {
  if (!(error instanceof AppError)) throw error;
  console.error(`${error.code}: ${error.message}`);
  process.exitCode = 1;
} finally {
  await pool.end();
}

/**
 * Managing sites: the admin API (create, read, change, disable), API keys (shown once, stored hashed, revoked →
 * 401, last use recorded), a disabled site's tokens, origins and keys stopping, SIGNED_READER_SITES seeding the
 * sites table, and the `npm run sites` CLI.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../helpers/test-service.js';
import {
  anonymousReader,
  asReader,
  errorCode,
  freshNetwork,
  NEWS,
  NEWS_ORIGIN,
  newsToken,
  reportAs,
  signedSitesEnv,
} from '../helpers/readers.js';
import { asAdmin, createTestSite, siteReaderToken, testSite } from '../helpers/sites.js';
import { fixture } from '../helpers/test-service.js';

const shop = testSite('shop');

let service: TestService;
beforeAll(async () => {
  service = await startTestService({
    env: { TRUST_PROXY: 'loopback', SIGNED_READER_SITES: signedSitesEnv('https://blog.example/.well-known/jwks.json') },
  });
  await createTestSite(service, shop);
});
afterAll(() => service?.close());

async function newKey(siteId: string, body: Record<string, unknown> = {}): Promise<{ key: string; id: string; prefix: string }> {
  const response = await asAdmin(service, `/v1/admin/sites/${siteId}/api-keys`, { method: 'POST', body });
  expect(response.status).toBe(201);
  return (await response.json()) as { key: string; id: string; prefix: string };
}

function uploadWith(key: string): Promise<Response> {
  return fixture('real/concert.jpg').then((bytes) => {
    const form = new FormData();
    form.append('file', new Blob([bytes]), 'concert.jpg');
    return service.request('/v1/images', { method: 'POST', body: form, headers: { authorization: `Bearer ${key}` } });
  });
}

describe('site API keys', () => {
  it('when an admin makes a key, then it is shown once, stored as its SHA-256 only, and listed without a secret', async () => {
    const made = await newKey('shop', { label: 'CMS' });
    expect(made.key).toMatch(/^imk_shop_[A-Za-z0-9_-]{43}$/);
    expect(made.key.startsWith(made.prefix)).toBe(true);
    const stored = await service.deps.pool.query<{ key_hash: string }>('SELECT key_hash FROM site_api_keys WHERE id = $1', [made.id]);
    expect(stored.rows[0]!.key_hash).toBe(createHash('sha256').update(made.key).digest('hex'));
    const everything = JSON.stringify((await service.deps.pool.query('SELECT * FROM site_api_keys')).rows);
    expect(everything).not.toContain(made.key.slice(made.prefix.length));
    const listed = await (await asAdmin(service, '/v1/admin/sites/shop/api-keys')).text();
    expect(listed).toContain(made.id);
    expect(listed).toContain('"label":"CMS"');
    expect(listed).not.toContain(made.key);
    expect(listed).not.toContain(stored.rows[0]!.key_hash);
  });

  it('when a key uploads, then the image is the site’s and the key’s last use is recorded; once revoked, 401', async () => {
    const made = await newKey('shop');
    const upload = await uploadWith(made.key);
    expect(upload.status).toBe(201);
    expect(await upload.json()).toMatchObject({ siteId: 'shop' });
    const keys = (await (await asAdmin(service, '/v1/admin/sites/shop/api-keys')).json()) as {
      keys: { id: string; lastUsedAt: string | null }[];
    };
    expect(keys.keys.find((key) => key.id === made.id)!.lastUsedAt).not.toBeNull();

    expect((await asAdmin(service, `/v1/admin/sites/shop/api-keys/${made.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await errorCode(await uploadWith(made.key))).toMatchObject({ status: 401, code: 'unauthorized' });
    const list = await service.request('/v1/images', { headers: { authorization: `Bearer ${made.key}` } });
    expect(list.status).toBe(401);
    expect((await asAdmin(service, `/v1/admin/sites/shop/api-keys/${made.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('when a key is used many times within a minute, then its last use is written once', async () => {
    const made = await newKey('shop');
    for (let i = 0; i < 3; i++)
      expect((await service.request('/v1/images', { headers: { authorization: `Bearer ${made.key}` } })).status).toBe(200);
    const first = await service.deps.pool.query<{ last_used_at: Date }>('SELECT last_used_at FROM site_api_keys WHERE id = $1', [made.id]);
    await service.request('/v1/images', { headers: { authorization: `Bearer ${made.key}` } });
    const second = await service.deps.pool.query<{ last_used_at: Date }>('SELECT last_used_at FROM site_api_keys WHERE id = $1', [made.id]);
    expect(second.rows[0]!.last_used_at).toEqual(first.rows[0]!.last_used_at);
  });

  it('when a key is rotated with revokeOthers, then only the new key works', async () => {
    const old = await newKey('shop');
    const fresh = await newKey('shop', { revokeOthers: true });
    expect((await service.request('/v1/images', { headers: { authorization: `Bearer ${old.key}` } })).status).toBe(401);
    expect((await service.request('/v1/images', { headers: { authorization: `Bearer ${fresh.key}` } })).status).toBe(200);
  });

  it('when a key names another site in its prefix, or is forged, then 401', async () => {
    const made = await newKey('shop');
    // The last character changed for another (replacing it with a fixed one would leave a key ending in it unchanged).
    const otherLast = made.key.endsWith('A') ? 'B' : 'A';
    for (const forged of [made.key.replace('imk_shop_', 'imk_news_'), `${made.key.slice(0, -1)}${otherLast}`, 'imk_shop_short'])
      expect((await service.request('/v1/images', { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
  });
});

describe('managing sites', () => {
  it('when a non-admin calls the sites API, then 403', async () => {
    expect((await service.request('/v1/admin/sites', { as: 'mod', role: 'moderator' })).status).toBe(403);
  });

  it('when a site is created twice, or with a bad origin or a key without issuer, then 409 or 400', async () => {
    expect(
      await errorCode(await asAdmin(service, '/v1/admin/sites', { method: 'POST', body: { id: 'shop', name: 'again' } })),
    ).toMatchObject({
      status: 409,
      code: 'site_exists',
    });
    const bad = [
      { id: 'x1', name: 'x', allowedOrigins: ['https://x.example/path'] },
      { id: 'x2', name: 'x', readerKeys: [{ secret: 'a'.repeat(40) }] },
      { id: 'Bad Id', name: 'x' },
      { id: 'default', name: 'x' },
      { id: 'x3', name: 'x', issuer: shop.issuer },
    ];
    const statuses = [];
    for (const body of bad) statuses.push((await asAdmin(service, '/v1/admin/sites', { method: 'POST', body })).status);
    expect(statuses).toEqual([400, 400, 400, 409, 409]);
  });

  it("when a site is given an origin another site lists, then 409 site_exists, and that origin's readers stay the other site's", async () => {
    // "aa-…" sorts before "shop": listed first, it would take shop's anonymous readers (or, disabled, refuse them).
    const taker = { id: 'aa-taker', name: 'x', allowedOrigins: [shop.origin] };
    expect(await errorCode(await asAdmin(service, '/v1/admin/sites', { method: 'POST', body: taker }))).toMatchObject({
      status: 409,
      code: 'site_exists',
    });
    expect((await asAdmin(service, '/v1/admin/sites', { method: 'POST', body: { ...taker, allowedOrigins: [] } })).status).toBe(201);
    const change = { allowedOrigins: ['https://aa-taker.example', shop.origin] };
    expect(await errorCode(await asAdmin(service, '/v1/admin/sites/aa-taker', { method: 'PATCH', body: change }))).toMatchObject({
      status: 409,
      code: 'site_exists',
    });
    expect((await asAdmin(service, '/v1/admin/sites/aa-taker/disable', { method: 'POST' })).status).toBe(200);
    const answer = await service.request('/v1/readers/anonymous', {
      method: 'POST',
      headers: { origin: shop.origin, 'x-forwarded-for': freshNetwork() },
    });
    expect(answer.status).toBe(201);
    expect(await answer.json()).toMatchObject({ siteId: 'shop' });
  });

  it('when a site would take an id that prefixes other reporter or uploader ids (hash-bank, site), then 400', async () => {
    // A site "hash-bank"'s reader "moderators" would be `hash-bank:moderators`, the bank's own reporter, and inherit its
    // upheld record; a site "site"'s reader "news" would be `site:news`, the uploader id of the news site's key.
    for (const id of ['hash-bank', 'site']) {
      expect((await asAdmin(service, '/v1/admin/sites', { method: 'POST', body: { id, name: 'x' } })).status).toBe(400);
    }
  });

  it('when thresholds are changed, then they are stored and the site reads them back', async () => {
    const response = await asAdmin(service, '/v1/admin/sites/shop', { method: 'PATCH', body: { thresholds: { autoBlockThreshold: 4 } } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      id: 'shop',
      thresholds: { autoBlockThreshold: 4 },
      shareBlocklist: true,
      poolReportsAcrossSites: false,
    });
  });

  it('when the default site is disabled, then 409 site_protected', async () => {
    expect(await errorCode(await asAdmin(service, '/v1/admin/sites/default/disable', { method: 'POST' }))).toMatchObject({
      status: 409,
      code: 'site_protected',
    });
  });

  it("when a site is disabled, then its readers' tokens, its page's origin and its keys stop at once", async () => {
    const gone = testSite('gone');
    await createTestSite(service, gone);
    const key = await newKey('gone');
    const id = await service.uploadDistinct('site:gone');
    const token = await siteReaderToken(gone, 'gina');
    expect((await reportAs(service, id, { token, ip: freshNetwork() })).status).toBe(202);
    const cookie = await anonymousReader(service, freshNetwork(), gone.origin);

    expect((await asAdmin(service, '/v1/admin/sites/gone/disable', { method: 'POST' })).status).toBe(200);
    expect((await reportAs(service, id, { token: await siteReaderToken(gone, 'gus'), ip: freshNetwork() })).status).toBe(401);
    expect(await errorCode(await reportAs(service, id, cookie))).toMatchObject({ status: 403, code: 'origin_not_allowed' });
    expect((await service.request('/v1/images', { headers: { authorization: `Bearer ${key.key}` } })).status).toBe(401);
    // Re-enabled, everything works again.
    expect((await asAdmin(service, '/v1/admin/sites/gone', { method: 'PATCH', body: { status: 'active' } })).status).toBe(200);
    expect((await reportAs(service, id, { token: await siteReaderToken(gone, 'gus'), ip: freshNetwork() })).status).toBe(202);
  });
});

describe('SIGNED_READER_SITES', () => {
  it('when the service starts with SIGNED_READER_SITES, then each entry is a site, and its readers report its images', async () => {
    const site = (await (await asAdmin(service, '/v1/admin/sites/news')).json()) as Record<string, unknown>;
    expect(site).toMatchObject({
      id: 'news',
      issuer: NEWS.issuer,
      audience: 'imgmod',
      readerKeys: [{ type: 'secret' }],
      allowedOrigins: [NEWS_ORIGIN],
      anonymousReports: 'on',
      status: 'active',
    });
    const blog = (await (await asAdmin(service, '/v1/admin/sites/blog')).json()) as Record<string, unknown>;
    expect(blog).toMatchObject({ readerKeys: [{ type: 'jwks', jwksUrl: 'https://blog.example/.well-known/jwks.json' }] });
    const id = await service.uploadDistinct('site:news');
    expect((await reportAs(service, id, { token: await newsToken({ sub: 'seeded' }), ip: freshNetwork() })).status).toBe(202);
    const visibility = await asReader(service, `/v1/visibility?ids=${id}`, { origin: NEWS_ORIGIN });
    expect(await visibility.json()).toEqual({ images: { [id]: 'visible' } });
  });

  it('when the service starts again with a changed entry, then the site is updated and what an admin set stays', async () => {
    await asAdmin(service, '/v1/admin/sites/news', { method: 'PATCH', body: { thresholds: { autoBlockThreshold: 5 } } });
    const again = await startTestService({
      workers: false,
      env: {
        DATABASE_URL: service.deps.config.DATABASE_URL,
        SIGNED_READER_SITES: JSON.stringify([{ ...NEWS, secret: 'a-rotated-news-secret-0123456789abcdef' }]),
      },
    });
    try {
      const rows = await again.deps.pool.query<{ reader_keys: unknown; thresholds: unknown; allowed_origins: string[] }>(
        `SELECT reader_keys, thresholds, allowed_origins FROM sites WHERE id = 'news'`,
      );
      expect(rows.rows[0]).toEqual({
        reader_keys: [{ secret: 'a-rotated-news-secret-0123456789abcdef' }],
        thresholds: { autoBlockThreshold: 5 },
        allowed_origins: [NEWS_ORIGIN],
      });
    } finally {
      await again.close();
    }
  });
});

describe('npm run sites', () => {
  const run = (...args: string[]) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/sites.ts', ...args], {
      env: { ...process.env, DATABASE_URL: service.deps.config.DATABASE_URL },
    });

  it('when a site is added and its key rotated from the command line, then the printed key uploads to it', async () => {
    expect((await run('add', 'cli-site', '--name', 'CLI', '--origin', 'https://cli.example', '--anonymous', 'on')).stdout).toContain(
      'cli-site: created (active)',
    );
    const key = (await run('rotate-key', 'cli-site')).stdout.trim();
    expect(key).toMatch(/^imk_cli-site_/);
    // The API process sees the new site within SITES_CACHE_TTL_MS; keys are checked against the table at once.
    const upload = await uploadWith(key);
    expect(upload.status).toBe(201);
    expect(await upload.json()).toMatchObject({ siteId: 'cli-site' });
    expect((await run('list')).stdout).toMatch(/cli-site\tactive\tCLI/);
    expect((await run('disable', 'cli-site')).stdout).toContain('cli-site: disabled');
    expect((await uploadWith(key)).status).toBe(401);
    await expect(run('disable', 'default')).rejects.toThrow(/site_protected/);
  }, 60_000);

  it('when first-party images are moved to a site, then its readers may report them', async () => {
    const id = await service.uploadDistinct('cms');
    expect((await reportAs(service, id, { token: await siteReaderToken(shop, 'sam'), ip: freshNetwork() })).status).toBe(404);
    expect((await run('move-images', 'default', 'shop')).stdout).toMatch(/image\(s\) moved from default to shop/);
    expect((await reportAs(service, id, { token: await siteReaderToken(shop, 'sam'), ip: freshNetwork() })).status).toBe(202);
  }, 60_000);
});

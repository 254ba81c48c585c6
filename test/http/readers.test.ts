import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { signDemoReaderToken } from '../../src/demo/demo-site.js';
import sharp from 'sharp';
import { evaluationsSettled, fixture, startTestService, waitFor, type TestService } from '../helpers/test-service.js';
import {
  anonymousReader,
  asReader,
  blogToken,
  NEWS,
  newsToken,
  reportAs,
  signedSitesEnv,
  startJwksSite,
  type JwksSite,
} from '../helpers/readers.js';

const ALLOWED = 'https://news.example';
let service: TestService;
let jwks: JwksSite;
beforeAll(async () => {
  jwks = await startJwksSite();
  service = await startTestService({
    env: { TRUST_PROXY: 'loopback', ALLOWED_ORIGINS: ALLOWED, SIGNED_READER_SITES: signedSitesEnv(jwks.url) },
  });
});
afterAll(async () => {
  await service?.close();
  await jwks?.close();
});

let counter = 0;
/** A fresh client address in its own /24, so that tests never share a network's rate limit. */
function freshNetwork(): string {
  counter += 1;
  return `10.${Math.floor(counter / 250)}.${counter % 250}.7`;
}

async function reportRow(imageId: string) {
  const result = await service.deps.pool.query<{ reporter_id: string; reporter_kind: string; weight: number; low_trust: boolean; network_hash: string | null }>(
    'SELECT reporter_id, reporter_kind, weight, low_trust, network_hash FROM reports WHERE image_id = $1 ORDER BY created_at',
    [imageId],
  );
  return result.rows;
}

async function errorCode(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, ...body.error };
}

describe('signed readers', () => {
  it('when a host site signs a good HS256 token, then the report counts as that site\'s reader', async () => {
    const id = await service.uploadDistinct();
    const token = await newsToken({ sub: 'alice', accountCreatedAt: new Date('2020-01-01T00:00:00Z') });
    expect((await reportAs(service, id, { token })).status).toBe(202);
    expect(await reportRow(id)).toEqual([{ reporter_id: 'news:alice', reporter_kind: 'signed', weight: 1, low_trust: false, network_hash: null }]);
  });

  it('when a host site signs a subject holding a NUL character, then 401, never 500', async () => {
    const id = await service.uploadDistinct();
    const token = await newsToken({ sub: 'ali\u0000ce' });
    expect((await reportAs(service, id, { token })).status).toBe(401);
  });

  it('when a host site\'s clock runs a few seconds ahead, then its fresh token is accepted', async () => {
    const id = await service.uploadDistinct();
    const secret = new TextEncoder().encode(NEWS.secret);
    const ahead = Math.floor(Date.now() / 1000) + 5;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(NEWS.issuer)
      .setAudience('imgmod')
      .setSubject('early-clock')
      .setIssuedAt(ahead)
      .setExpirationTime(ahead + 600)
      .sign(secret);
    expect((await reportAs(service, id, { token })).status).toBe(202);
  });

  it('when a first-party token names a signed reader\'s id, then 401: first-party subjects have no colon', async () => {
    const response = await reportAs(service, await service.uploadDistinct(), { token: await service.token('news:zed') });
    expect(response.status).toBe(401);
  });

  it('when a site claims an account created at an impossible date, then 401, not a reader of unknown age', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ account_created_at: 1e300 })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(NEWS.issuer)
      .setAudience('imgmod')
      .setSubject('far-future')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(NEWS.secret));
    expect((await reportAs(service, await service.uploadDistinct(), { token })).status).toBe(401);
  });

  it('when a JWKS site signs with its published ES256 or RS256 key, then the report is accepted', async () => {
    const id = await service.uploadDistinct();
    expect((await reportAs(service, id, { token: await blogToken(jwks, { sub: 'bea' }, 'es-1') })).status).toBe(202);
    expect((await reportAs(service, id, { token: await blogToken(jwks, { sub: 'bo' }, 'rs-1') })).status).toBe(202);
    expect((await reportRow(id)).map((row) => row.reporter_id)).toEqual(['blog:bea', 'blog:bo']);
  });

  it('when the account is younger than NEW_ACCOUNT_AGE, then the report is marked low-trust and weighs NEW_ACCOUNT_REPORT_WEIGHT', async () => {
    const id = await service.uploadDistinct();
    const token = await newsToken({ sub: 'newbie', accountCreatedAt: new Date(Date.now() - 86_400_000) });
    expect((await reportAs(service, id, { token })).status).toBe(202);
    expect((await reportRow(id))[0]).toMatchObject({ reporter_id: 'news:newbie', low_trust: true, weight: 0.5 });
  });

  it.each([
    { why: 'expired', make: () => newsToken({ sub: 'a', expiresIn: '-1m' }), message: /expired/ },
    { why: 'signed with a wrong algorithm (HS384)', make: () => newsToken({ sub: 'a' }, 'HS384'), message: /algorithm not allowed/ },
    { why: 'for another audience', make: () => newsToken({ sub: 'a', audience: 'someone-else' }), message: /"aud"/ },
    { why: 'issued longer ago than SIGNED_TOKEN_MAX_AGE', make: () => newsToken({ sub: 'a', issuedAt: Math.floor(Date.now() / 1000) - 3600, expiresIn: '1h' }), message: /"iat"/ },
    { why: 'signed with a key id the JWKS does not publish', make: () => blogToken(jwks, { sub: 'a' }, 'es-unpublished'), message: /kid/ },
    { why: 'from an unknown issuer (falls back to the first-party secret)', make: () => newsToken({ sub: 'a', issuer: 'https://evil.example' }), message: /invalid/ },
  ])('when the token is $why, then 401 unauthorized says why and nothing is stored', async ({ make, message }) => {
    const id = await service.uploadDistinct();
    const refused = await errorCode(await reportAs(service, id, { token: await make() }));
    expect(refused).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(refused.message).toMatch(message);
    expect(await reportRow(id)).toEqual([]);
  });

  it('when a signed reader token claims the moderator role, then moderator routes still refuse it (host sites sign readers only)', async () => {
    const token = await new SignJWT({ role: 'moderator' }).setProtectedHeader({ alg: 'HS256' }).setIssuer(NEWS.issuer).setAudience(NEWS.audience)
      .setSubject('mallory').setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(NEWS.secret));
    expect(await errorCode(await asReader(service, '/v1/moderation/queue', { token }))).toMatchObject({ status: 401, code: 'unauthorized' });
    const id = await service.uploadDistinct();
    expect((await reportAs(service, id, { token })).status).toBe(202);
    const row = await service.deps.pool.query('SELECT reporter_role FROM reports WHERE image_id = $1', [id]);
    expect(row.rows).toEqual([{ reporter_role: 'reader' }]);
  });
});

describe('anonymous readers', () => {
  it('when a browser asks for a reader id, then it gets a signed HttpOnly cookie, and the same id while it keeps it', async () => {
    const ip = freshNetwork();
    const first = await asReader(service, '/v1/readers/anonymous', { ip }, { method: 'POST' });
    expect(first.status).toBe(201);
    const setCookie = first.headers.getSetCookie()[0]!;
    expect(setCookie).toMatch(/^imgmod_reader=[0-9a-f-]{36}\.[\w-]{43}; Max-Age=31536000; Path=\/; Expires=.*; HttpOnly; SameSite=Lax$/);
    const { readerId } = (await first.json()) as { readerId: string };
    expect(readerId).toMatch(/^anon:[0-9a-f-]{36}$/);
    const cookie = setCookie.split(';')[0]!;

    const again = await asReader(service, '/v1/readers/anonymous', { ip, cookie }, { method: 'POST' });
    expect(again.status).toBe(200);
    expect(again.headers.getSetCookie()).toEqual([]);
    expect(await again.json()).toEqual({ readerId });

    const forged = await asReader(service, '/v1/readers/anonymous', { ip, cookie: cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) }, { method: 'POST' });
    expect(forged.status).toBe(201);
    expect(((await forged.json()) as { readerId: string }).readerId).not.toBe(readerId);
  });

  it('when served over TLS behind the proxy, then the cookie is SameSite=None; Secure; Partitioned', async () => {
    const response = await asReader(service, '/v1/readers/anonymous', { ip: freshNetwork() }, { method: 'POST', headers: { 'x-forwarded-proto': 'https' } });
    expect(response.headers.getSetCookie()[0]).toMatch(/; HttpOnly; Secure; Partitioned; SameSite=None$/);
  });

  it('when an anonymous reader reports, then the report weighs 0.5, is low-trust, and stores a network hash, never the address', async () => {
    const id = await service.uploadDistinct();
    const reader = await anonymousReader(service, '203.0.113.45');
    expect((await reportAs(service, id, reader)).status).toBe(202);
    const [row] = await reportRow(id);
    expect(row).toMatchObject({ reporter_id: reader.readerId, reporter_kind: 'anonymous', weight: 0.5, low_trust: true });
    expect(row!.network_hash).toMatch(/^[0-9a-f]{32}$/);
    const stored = JSON.stringify((await service.deps.pool.query('SELECT * FROM reports WHERE image_id = $1', [id])).rows);
    expect(stored).not.toMatch(/203\.0\.113/);
    // The moderator sees what this reader's next report would weigh: the anonymous weight, not an ordinary 1.
    const detail = await service.request(`/v1/moderation/images/${id}`, { as: 'mod', role: 'moderator' });
    const { reporters } = (await detail.json()) as { reporters: { reporterId: string; currentWeight: number }[] };
    expect(reporters).toEqual([expect.objectContaining({ reporterId: reader.readerId, currentWeight: 0.5 })]);
  });

  it('when a request has no token and no reader cookie, then 401', async () => {
    const id = await service.uploadDistinct();
    expect(await errorCode(await reportAs(service, id, { ip: freshNetwork() }))).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('when two readers of one /24 report an image, then it counts once; another network counts again', async () => {
    const id = await service.uploadDistinct();
    for (const ip of ['198.51.100.5', '198.51.100.77', '192.0.2.9']) {
      expect((await reportAs(service, id, await anonymousReader(service, ip))).status).toBe(202);
    }
    expect((await reportRow(id)).map((row) => row.weight)).toEqual([0.5, 0, 0.5]);
    await waitFor(async () => (await service.deps.pool.query<{ score: number }>('SELECT score FROM images WHERE id = $1', [id])).rows[0]!.score === 1);
  });
});

describe('rate limits', () => {
  it('when a signed reader sends a third report within 3 s, then 429 with Retry-After', async () => {
    const ids = [await service.uploadDistinct(), await service.uploadDistinct(), await service.uploadDistinct()];
    const token = await newsToken({ sub: `hasty-${Date.now()}` });
    const statuses = [];
    for (const id of ids) statuses.push(await reportAs(service, id, { token }));
    expect(statuses.map((response) => response.status)).toEqual([202, 202, 429]);
    const limited = statuses[2]!;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(3);
    expect(await errorCode(limited)).toMatchObject({ code: 'rate_limited' });
    expect(await reportRow(ids[2]!)).toEqual([]);
  });

  it('when a reader clicks again on a reported image or reports an unknown one, then it costs no report', async () => {
    const token = await newsToken({ sub: `clicker-${Date.now()}` });
    const [first, second] = [await service.uploadDistinct(), await service.uploadDistinct()];
    const statuses = [];
    for (const id of [first, first, first, '00000000-0000-4000-8000-000000000000', second]) {
      statuses.push((await reportAs(service, id, { token })).status);
    }
    expect(statuses).toEqual([202, 200, 200, 404, 202]);
  });

  it('when anonymous readers of one network send a seventh report within 3 s, then 429 for that network only', async () => {
    const id = await service.uploadDistinct();
    const network = freshNetwork();
    const readers = [];
    for (let i = 0; i < 7; i++) readers.push(await anonymousReader(service, network.replace(/\d+$/, String(10 + i))));
    const statuses = [];
    for (const reader of readers) statuses.push((await reportAs(service, id, reader)).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 202, 429]);
    expect((await reportAs(service, id, await anonymousReader(service, freshNetwork()))).status).toBe(202);
  });

  it('when first-party tokens report, then they are not limited (the operator\'s own tools)', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await reportAs(service, await service.uploadDistinct(), { token: await service.token('tool') })).status);
    expect(statuses).toEqual([202, 202, 202]);
  });
});

describe('receipts', () => {
  it('when a reader lists their reports, then each shows its outcome and nothing about other reporters', async () => {
    const [kept, dismissed, open] = [await service.uploadDistinct(), await service.uploadDistinct(), await service.uploadDistinct()];
    const me = `receipts-${Date.now()}`;
    for (const id of [kept, dismissed]) {
      for (const [i, sub] of [me, `${me}-other-1`, `${me}-other-2`].entries()) {
        const token = await newsToken({ sub });
        expect((await reportAs(service, id, { token, ip: freshNetwork() })).status, `report ${i}`).toBe(202);
      }
      await waitFor(async () => (await service.status(id)) === 'auto_blocked');
    }
    const decide = (id: string, action: string) =>
      service.request(`/v1/moderation/images/${id}/decision`, { method: 'POST', as: 'mod', role: 'moderator', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action }) });
    expect((await decide(kept, 'uphold')).status).toBe(200);
    expect((await decide(dismissed, 'restore')).status).toBe(200);
    await waitFor(async () => (await reportAs(service, open, { token: await newsToken({ sub: me }) })).status === 202, 5_000);

    const response = await asReader(service, '/v1/me/reports', { token: await newsToken({ sub: me }) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { readerId: string; reports: Record<string, unknown>[] };
    expect(body.readerId).toBe(`news:${me}`);
    expect(body.reports.map((report) => [report.imageId, report.outcome])).toEqual([[open, 'open'], [dismissed, 'dismissed'], [kept, 'upheld']]);
    expect(Object.keys(body.reports[0]!).sort()).toEqual(['createdAt', 'decidedAt', 'imageId', 'note', 'outcome', 'reason', 'reportId']);
    expect(JSON.stringify(body)).not.toContain('other');
  });

  it('when an anonymous reader lists their reports, then the cookie identifies them; without it, 401', async () => {
    const id = await service.uploadDistinct();
    const reader = await anonymousReader(service, freshNetwork());
    await reportAs(service, id, reader, 'hate');
    const mine = (await (await asReader(service, '/v1/me/reports', reader)).json()) as { readerId: string; kind: string; reports: { imageId: string; reason: string; outcome: string }[] };
    expect(mine).toMatchObject({ readerId: reader.readerId, kind: 'anonymous', reports: [{ imageId: id, reason: 'hate', outcome: 'open' }] });
    expect((await asReader(service, '/v1/me/reports', { ip: reader.ip })).status).toBe(401);
  });
});

describe('visibility and CORS', () => {
  it('when the widget asks about images, then blocked ones are hidden; bad ids are 400', async () => {
    const visible = await service.uploadDistinct();
    const blocked = await service.uploadDistinct();
    for (const reader of ['v1', 'v2', 'v3']) await service.request(`/v1/images/${blocked}/reports`, { method: 'POST', as: `${reader}-${blocked}`, headers: { 'content-type': 'application/json' }, body: '{"reason":"spam"}' });
    await waitFor(async () => (await service.status(blocked)) === 'auto_blocked');
    const unknown = '00000000-0000-4000-8000-000000000000';
    const response = await service.request(`/v1/visibility?ids=${visible},${blocked},${unknown}`);
    expect(await response.json()).toEqual({ images: { [visible]: 'visible', [blocked]: 'hidden' } });
    for (const ids of ['', 'nope', Array(101).fill(unknown).join(',')]) {
      expect(await errorCode(await service.request(`/v1/visibility?ids=${ids}`))).toMatchObject({ status: 400, code: 'bad_request' });
    }
  });

  it('when an allowed origin calls, then CORS allows it with credentials; another origin gets 403', async () => {
    const preflight = await asReader(service, '/v1/images/x/reports', { origin: ALLOWED }, { method: 'OPTIONS', headers: { 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(Object.fromEntries([...preflight.headers].filter(([name]) => name.startsWith('access-control')))).toEqual({
      'access-control-allow-origin': ALLOWED,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'authorization, content-type',
      'access-control-expose-headers': 'Retry-After',
      'access-control-max-age': '600',
    });
    const issued = await asReader(service, '/v1/readers/anonymous', { origin: ALLOWED, ip: freshNetwork() }, { method: 'POST' });
    expect(issued.status).toBe(201);
    expect(issued.headers.get('access-control-allow-origin')).toBe(ALLOWED);

    const foreign = await asReader(service, '/v1/readers/anonymous', { origin: 'https://evil.example', ip: freshNetwork() }, { method: 'POST' });
    expect(await errorCode(foreign)).toMatchObject({ status: 403, code: 'origin_not_allowed' });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    for (const path of ['/V1/readers/anonymous', '/v1/Readers/Anonymous', '/v1/readers/anonymous/']) {
      const variant = await asReader(service, path, { origin: 'https://evil.example', ip: freshNetwork() }, { method: 'POST' });
      expect([path, variant.status]).toEqual([path, 403]);
    }
  });
});

describe('a deployment with anonymous reports and demo mode off', () => {
  let closed: TestService;
  beforeAll(async () => {
    // A site whose JWKS address answers nothing: its readers' tokens cannot be checked.
    const gone = JSON.stringify([{ id: 'gone', issuer: 'https://gone.example', jwksUrl: 'http://127.0.0.1:1/jwks.json' }]);
    closed = await startTestService({ workers: false, env: { ANONYMOUS_REPORTS: 'off', ALLOWED_ORIGINS: ALLOWED, DEMO_MODE: 'off', SIGNED_READER_SITES: gone } });
  });
  afterAll(() => closed?.close());

  it('when a site turns anonymous reporting off, then no reader cookie is issued and token readers still report', async () => {
    const response = await asReader(closed, '/v1/readers/anonymous', { origin: ALLOWED }, { method: 'POST' });
    expect(await errorCode(response)).toMatchObject({ status: 403, code: 'anonymous_reports_disabled' });
    expect(response.headers.getSetCookie()).toEqual([]);
    const id = await (await closed.upload('real/concert.jpg')).json() as { id: string };
    expect((await reportAs(closed, id.id, { token: await closed.token('first-party-reader') })).status).toBe(202);
  });
  it('when DEMO_MODE is off, then /demo does not exist and demo reader tokens are refused', async () => {
    expect(await errorCode(await closed.request('/demo'))).toMatchObject({ status: 404, code: 'not_found' });
    const demoToken = await signDemoReaderToken(closed.deps.config, 'ana');
    const id = ((await (await closed.upload('real/concert.jpg')).json()) as { id: string }).id;
    expect((await reportAs(closed, id, { token: demoToken })).status).toBe(401);
    expect((await reportAs(service, await service.uploadDistinct('demo-site'), { token: await signDemoReaderToken(service.deps.config, 'ana') })).status).toBe(202);
  });

  it('when demo readers report a demo photo, then a real upload of the same picture is not blocked through it', async () => {
    const photo = await fixture('real/Landscape_6.jpg');
    const demoCopy = await service.uploadProcessed(photo, 'demo-site');
    const realCopy = await service.uploadProcessed(await sharp(photo).rotate().jpeg({ quality: 80 }).toBuffer(), 'someone');
    for (const reader of ['ana', 'ben', 'chloe'] as const) {
      expect((await reportAs(service, demoCopy, { token: await signDemoReaderToken(service.deps.config, reader) })).status).toBe(202);
    }
    await waitFor(async () => (await service.status(demoCopy)) === 'auto_blocked');
    await evaluationsSettled(service);
    expect(await service.status(realCopy)).toBe('visible');
  });

  it('when readers block a real upload, then the demo\'s copy of the picture stays up: the demo is a sandbox both ways', async () => {
    const photo = await fixture('real/Portrait_8.jpg');
    const realCopy = await service.uploadProcessed(photo, 'someone');
    for (const sub of ['ria', 'sam', 'tom']) expect((await reportAs(service, realCopy, { token: await newsToken({ sub: `${sub}-${realCopy}` }), ip: freshNetwork() })).status).toBe(202);
    await waitFor(async () => (await service.status(realCopy)) === 'auto_blocked');
    const demoCopy = await service.uploadProcessed(await sharp(photo).rotate().jpeg({ quality: 80 }).toBuffer(), 'demo-site');
    await evaluationsSettled(service);
    expect(await service.status(demoCopy)).toBe('visible');
  });

  it('when a demo reader reports an image that is not a demo photo, then 403 demo_reader: anyone can get their tokens', async () => {
    const token = await signDemoReaderToken(service.deps.config, 'ben');
    const response = await reportAs(service, await service.uploadDistinct(), { token });
    expect(await errorCode(response)).toMatchObject({ status: 403, code: 'demo_reader' });
  });

  it('when a site\'s JWKS cannot be fetched, then 503 reader_keys_unavailable, not a 401 blaming the reader', async () => {
    const token = await blogToken(jwks, { sub: 'stranded', issuer: 'https://gone.example' });
    const id = ((await (await closed.upload('real/concert.jpg')).json()) as { id: string }).id;
    expect(await errorCode(await reportAs(closed, id, { token }))).toMatchObject({ status: 503, code: 'reader_keys_unavailable' });
  });
});

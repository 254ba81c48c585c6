/**
 * Registering an image by URL through POST /v1/images: the fetched file goes through the upload's own checks, the
 * site finds it again by its external id, and every SSRF attempt is a clear 4xx. Origins are real HTTP servers
 * on 127.0.0.1 (OUTBOUND_ALLOW_LOOPBACK); names resolve through an injected resolver where a name is needed.
 */
import http, { type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerImageByUrl } from '../../src/images/register-by-url.js';
import { imageRecord } from '../helpers/records.js';
import { asAdmin, createTestSite, testSite } from '../helpers/sites.js';
import { fixture, startTestService, waitFor, type TestService } from '../helpers/test-service.js';

let service: TestService;
let origin: http.Server;
let base: string;
let photo: Buffer;
let fetches = 0;

function route(path: string, res: ServerResponse): void {
  if (path === '/photo.jpg') return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(photo);
  if (path === '/notes.txt') return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end('not a picture at all');
  if (path === '/huge.jpg') {
    res.writeHead(200, { 'content-type': 'image/jpeg' });
    const push = () => {
      while (res.write(Buffer.alloc(64 * 1024)));
    };
    res.on('drain', push);
    return push();
  }
  if (path.startsWith('/go?to=')) return void res.writeHead(302, { location: decodeURIComponent(path.slice(7)) }).end();
  res.writeHead(404).end();
}

beforeAll(async () => {
  photo = await fixture('real/flowers.jpeg');
  origin = http.createServer((req, res) => {
    fetches++;
    route(req.url ?? '', res);
  });
  origin.listen(0, '127.0.0.1');
  await once(origin, 'listening');
  base = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  service = await startTestService({
    env: { OUTBOUND_ALLOW_LOOPBACK: 'true', REGISTER_URL_HOSTS: '127.0.0.1, *.news.test', MAX_UPLOAD_BYTES: String(photo.length * 4) },
  });
});
afterAll(async () => {
  origin.closeAllConnections();
  origin.close();
  await service.close();
});

function register(body: unknown, as = 'site-server'): Promise<Response> {
  return service.request('/v1/images', { method: 'POST', as, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function errorOf(response: Response): Promise<{ status: number; code: string; details?: Record<string, unknown> }> {
  const body = (await response.json()) as { error: { code: string; details?: Record<string, unknown> } };
  return { status: response.status, code: body.error.code, ...(body.error.details ? { details: body.error.details } : {}) };
}

describe('registering an image by URL', () => {
  it('when a listed host serves a picture, then it is stored, processed and found again by its external id', async () => {
    const response = await register({ url: `${base}/photo.jpg`, externalId: 'article-1-photo' });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { id: string; status: string; externalId: string };
    expect(created).toMatchObject({ status: 'processing', externalId: 'article-1-photo' });
    await waitFor(async () => (await service.status(created.id)) === 'visible');

    const found = await service.request('/v1/images?externalId=article-1-photo', { as: 'site-server' });
    expect(found.status).toBe(200);
    expect(await found.json()).toMatchObject({ id: created.id, externalId: 'article-1-photo', status: 'visible', bytes: photo.length });
    expect((await service.request('/v1/images?externalId=nobody', { as: 'site-server' })).status).toBe(404);
    // Without ?externalId= it is the listing of a site's images, which needs a site's key or a moderator.
    expect((await service.request('/v1/images', { as: 'site-server' })).status).toBe(403);
  });

  it("when two sites register with their keys, then each image is its site's, external ids are each site's own, and neither sees the other's", async () => {
    const keyOf = async (id: string, origin: string) => {
      await createTestSite(service, { ...testSite(id), origin });
      return ((await (await asAdmin(service, `/v1/admin/sites/${id}/api-keys`, { method: 'POST', body: {} })).json()) as { key: string })
        .key;
    };
    const keys = { gazette: await keyOf('gazette', base), herald: await keyOf('herald', 'https://herald.example') };
    const asSite = (site: keyof typeof keys, path: string, init: RequestInit = {}) =>
      fetch(`${service.baseUrl}${path}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${keys[site]}` } });
    const registerAs = (site: keyof typeof keys) =>
      asSite(site, '/v1/images', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url: `${base}/photo.jpg`, externalId: 'front-page-1' }),
      });
    const gazette = await registerAs('gazette'); // its own origin's host
    const herald = await registerAs('herald'); // a host of REGISTER_URL_HOSTS
    expect([gazette.status, herald.status]).toEqual([201, 201]);
    const ids = {
      gazette: ((await gazette.json()) as { id: string; siteId: string }).id,
      herald: ((await herald.json()) as { id: string }).id,
    };
    expect((await imageRecord(service, ids.gazette)).siteId).toBe('gazette');
    for (const site of ['gazette', 'herald'] as const) {
      const found = (await (await asSite(site, '/v1/images?externalId=front-page-1')).json()) as { id: string; siteId: string };
      expect(found).toMatchObject({ id: ids[site], siteId: site });
    }
    expect((await asSite('herald', `/v1/images/${ids.gazette}`)).status).toBe(404);
  });

  it('when the external id is already registered, then 409 names the image, and nothing is fetched', async () => {
    const first = (await (await register({ url: `${base}/photo.jpg`, externalId: 'article-2-photo' })).json()) as { id: string };
    const before = fetches;
    const again = await register({ url: `${base}/photo.jpg`, externalId: 'article-2-photo' });
    expect(await errorOf(again)).toEqual({ status: 409, code: 'external_id_taken', details: { imageId: first.id } });
    expect(fetches).toBe(before);
  });

  it('when the fetched file is not a picture, then it is refused exactly as the same bytes uploaded', async () => {
    const fetched = await errorOf(await register({ url: `${base}/notes.txt` }));
    const uploaded = await errorOf(await service.upload(Buffer.from('not a picture at all')));
    expect(fetched).toEqual(uploaded);
    expect(fetched.status).toBe(415);
  });

  it('when the file streams past MAX_UPLOAD_BYTES, then 422 fetch_too_large', async () => {
    expect(await errorOf(await register({ url: `${base}/huge.jpg` }))).toMatchObject({ status: 422, code: 'fetch_too_large' });
  });

  it.each([
    ['a host not on REGISTER_URL_HOSTS', 'http://photos.elsewhere.example/a.jpg', 'url_not_allowed'],
    ['a private address', 'http://10.0.0.1/a.jpg', 'url_resolves_to_private_address'],
    ['the metadata address', 'http://169.254.169.254/latest/meta-data/', 'url_resolves_to_private_address'],
    ['an IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/a.jpg', 'url_resolves_to_private_address'],
    ['a file URL', 'file:///etc/passwd', 'url_not_allowed'],
    ['credentials', 'http://user:pw@127.0.0.1/a.jpg', 'url_not_allowed'],
  ])('when the URL names %s, then 422 %s', async (_name, url, code) => {
    expect(await errorOf(await register({ url }))).toMatchObject({ status: 422, code });
  });

  it('when the origin answers 404, then 422 fetch_failed with its status', async () => {
    expect(await errorOf(await register({ url: `${base}/missing.jpg` }))).toEqual({
      status: 422,
      code: 'fetch_failed',
      details: { status: 404 },
    });
  });

  it('when the body is not a registration, then 400', async () => {
    expect((await register({ externalId: 'x' })).status).toBe(400);
    expect((await register({ url: `${base}/photo.jpg`, externalId: '' })).status).toBe(400);
  });

  it('when a listed name redirects to a name resolving to a private address, then the redirect is refused', async () => {
    const resolver = (name: string) =>
      Promise.resolve([{ address: name === 'photos.news.test' ? '127.0.0.1' : '192.168.1.10', family: 4 }]);
    const port = (origin.address() as AddressInfo).port;
    await expect(
      registerImageByUrl(service.deps, {
        url: `http://photos.news.test:${port}/go?to=${encodeURIComponent('http://intranet.news.test/secret.jpg')}`,
        allowedHosts: service.deps.config.REGISTER_URL_HOSTS,
        siteId: 'default',
        uploaderId: 'site-server',
        resolver,
      }),
    ).rejects.toMatchObject({ code: 'url_resolves_to_private_address', details: { host: 'intranet.news.test', range: 'private' } });
  });
});

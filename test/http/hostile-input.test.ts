import { request as httpRequest } from 'node:http';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { reportsOf } from '../helpers/records.js';

let service: TestService;
let imageId: string;
beforeAll(async () => {
  service = await startTestService();
  imageId = await service.uploadDistinct();
});
afterAll(() => service.close());

const MOD = { as: 'mod-1', role: 'moderator' as const };

function postJson(path: string, body: unknown, as: { as: string; role?: 'reader' | 'moderator' }) {
  return service.request(path, { method: 'POST', ...as, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Sends raw bytes as a POST, for bodies fetch will not produce (cut off, no boundary). */
async function rawPost(path: string, headers: Record<string, string>, body: Buffer): Promise<number> {
  const url = new URL(path, service.baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('hostile input', () => {
  it('when a note, a decision note or an audit filter holds a NUL or a lone surrogate, then 400 and nothing is stored', async () => {
    for (const note of ['a\u0000b', 'x\ud800y']) {
      const response = await postJson(`/v1/images/${imageId}/reports`, { reason: 'other', note }, { as: `nul-${note.length}` });
      expect(response.status).toBe(400);
    }
    expect((await postJson(`/v1/moderation/images/${imageId}/decision`, { action: 'uphold', note: 'a\u0000b' }, MOD)).status).toBe(400);
    expect((await service.request('/v1/moderation/audit?actor=%00', MOD)).status).toBe(400);
    expect(await reportsOf(service, imageId)).toEqual([]);
    expect(await service.status(imageId)).toBe('visible');
  });

  it('when a token has no exp, a NUL in its subject, or claims to be the system, then 401', async () => {
    const secret = new TextEncoder().encode(service.deps.config.JWT_SECRET);
    const sign = (claims: Record<string, unknown>, expires = true) => {
      const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
      return (expires ? jwt.setExpirationTime('1h') : jwt).sign(secret);
    };
    const tokens = [
      await sign({ sub: 'forever' }, false),
      await sign({ sub: 'a\u0000b' }),
      await sign({ sub: 'system', role: 'moderator' }),
    ];
    for (const token of tokens) {
      const response = await service.request('/v1/moderation/queue', { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(401);
    }
  });

  it('when a multipart body has no boundary, is cut off or is garbage, then 400, never 500', async () => {
    const token = await service.token('uploader');
    const auth = { authorization: `Bearer ${token}` };
    const start = Buffer.from('--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n');
    const cases = [
      { headers: { ...auth, 'content-type': 'multipart/form-data' }, body: Buffer.from('hello') },
      { headers: { ...auth, 'content-type': 'multipart/form-data; boundary=XYZ' }, body: Buffer.concat([start, Buffer.alloc(1000, 0xff)]) },
      { headers: { ...auth, 'content-type': 'multipart/form-data; boundary=XYZ' }, body: Buffer.from('this is not multipart at all') },
    ];
    for (const { headers, body } of cases) {
      expect(await rawPost('/v1/images', { ...headers, 'content-length': String(body.length) }, body)).toBe(400);
    }
  });

  it('when a JSON body declares an unsupported charset, then 415 unsupported_media_type', async () => {
    const response = await service.request(`/v1/images/${imageId}/reports`, {
      method: 'POST',
      as: 'charset-reader',
      headers: { 'content-type': 'application/json; charset=klingon' },
      body: JSON.stringify({ reason: 'spam' }),
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ error: { code: 'unsupported_media_type' } });
  });
});

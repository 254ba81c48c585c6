import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/auth/tokens.js';
import { evaluationsSettled, startTestService, waitFor, type TestService } from '../helpers/test-service.js';
import { auditEvents, reportsOf } from '../helpers/records.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

function report(imageId: string, reader: string, body: unknown = { reason: 'spam' }) {
  return service.request(`/v1/images/${imageId}/reports`, {
    method: 'POST',
    as: reader,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function autoBlockEvents(imageId: string): Promise<number> {
  return (await auditEvents(service, imageId)).filter((event) => event.toStatus === 'auto_blocked').length;
}

const settled = () => evaluationsSettled(service);

describe('POST /v1/images/:id/reports', () => {
  it('when the same reader reports twice, then the second is a duplicate and counts once', async () => {
    const id = await service.uploadProcessed('real/flowers.jpeg');
    const first = await report(id, 'r1', { reason: 'spam', note: 'advertising' });
    expect(first.status).toBe(202);
    const { reportId, duplicate } = (await first.json()) as { reportId: string; duplicate: boolean };
    expect(duplicate).toBe(false);

    const second = await report(id, 'r1', { reason: 'nudity' });
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ reportId, duplicate: true });

    await settled();
    const record = (await (await service.request(`/v1/images/${id}`, { as: 'r1' })).json()) as { openReports: number; score: number };
    expect(record).toMatchObject({ openReports: 1, score: 1 });
  });

  it('when two readers report, then the image stays visible; when a third does, then it is auto-blocked and /i/:id is 410', async () => {
    const id = await service.uploadProcessed('real/Landscape_6.jpg');
    expect((await report(id, 'a')).status).toBe(202);
    expect((await report(id, 'b', { reason: 'violence' })).status).toBe(202);
    await settled();
    expect(await service.status(id)).toBe('visible');
    expect((await service.request(`/i/${id}`)).status).toBe(200);

    expect((await report(id, 'c', { reason: 'violence' })).status).toBe(202);
    await waitFor(async () => (await service.status(id)) === 'auto_blocked');

    const image = await service.request(`/i/${id}`);
    expect(image.status).toBe(410);
    expect(image.headers.get('content-type')).toBe('image/webp');
    expect(image.headers.get('cache-control')).toBe('no-store');
    // The placeholder is made by sharp once and cached in storage, like every derivative.
    expect(Buffer.from(await image.arrayBuffer())).toEqual(await service.deps.storage.get('placeholders/blocked.webp'));
    expect((await service.request(`/i/${id}/thumb`)).status).toBe(410);

    const audit = await service.request(`/v1/moderation/audit?image=${id}`, { as: 'mod', role: 'moderator' });
    const { items } = (await audit.json()) as {
      items: { action: string; actor: string; toStatus: string; details: Record<string, unknown> }[];
    };
    expect(items.map((event) => event.action)).toEqual(['auto_block', 'processed']); // newest first
    expect(items[0]).toMatchObject({
      actor: 'system',
      toStatus: 'auto_blocked',
      details: { score: 3, threshold: 3, byReason: { spam: 1, violence: 2 } },
    });
  });

  it('when 20 distinct readers report at once, then exactly one auto_blocked event is written', async () => {
    const id = await service.uploadDistinct();
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => report(id, `crowd-${i}`)));
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(202));
    await waitFor(async () => (await service.status(id)) === 'auto_blocked');
    await settled();
    expect(await autoBlockEvents(id)).toBe(1);
    const record = (await (await service.request(`/v1/images/${id}`, { as: 'x' })).json()) as { openReports: number };
    expect(record.openReports).toBe(20);
  });

  it('when the body is invalid, then 400 with a machine-readable code and nothing is stored', async () => {
    const id = await service.uploadDistinct();
    for (const body of [{}, { reason: 'boring' }, { reason: 'spam', note: 'x'.repeat(501) }, { reason: 'spam', extra: 1 }]) {
      const response = await report(id, 'picky', body);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'bad_request' } });
    }
    const malformed = await service.request(`/v1/images/${id}/reports`, {
      method: 'POST',
      as: 'picky',
      headers: { 'content-type': 'application/json' },
      body: '{"reason": ',
    });
    expect(malformed.status).toBe(400);
    expect(await reportsOf(service, id)).toEqual([]);
  });

  it('when the image is unknown, then 404', async () => {
    expect((await report('00000000-0000-4000-8000-000000000000', 'r')).status).toBe(404);
  });

  it('when the token is missing, expired or forged, then 401', async () => {
    const id = await service.uploadDistinct();
    const post = (authorization?: string) =>
      service.request(`/v1/images/${id}/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ reason: 'spam' }),
      });
    const expired = await signToken(service.deps.config.JWT_SECRET, { sub: 'late', expiresIn: '-1m' });
    const forged = await signToken('another-secret-that-is-long-enough', { sub: 'mallory' });
    for (const authorization of [undefined, 'Bearer', `Bearer ${expired}`, `Bearer ${forged}`, 'Basic abc']) {
      const response = await post(authorization);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 'unauthorized' } });
    }
  });

  it('when a reader calls a moderator route, then 403', async () => {
    const id = await service.uploadDistinct();
    const response = await service.request(`/v1/moderation/audit?image=${id}`, { as: 'reader-1' });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'forbidden' } });
  });
});

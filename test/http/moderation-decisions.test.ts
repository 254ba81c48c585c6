/**
 * Moderators' decisions through the API: uphold, restore and remove on one image, refused transitions, two
 * moderators at once, bulk decisions, a report racing a removal, moderators' own reports, and who may decide.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateImage } from '../../src/evaluation/evaluate-image.js';
import { startTestService, waitFor, type TestService } from '../helpers/test-service.js';
import { auditEvents, outboxDoneFor, reportsOf, scoreReaches } from '../helpers/records.js';
import { decide, json, MOD, postJson, reportedImage, reportFor } from '../helpers/moderation.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

describe('decisions on one image', () => {
  it('when a moderator upholds an auto-blocked image, then it is blocked, its reports upheld and one audit event names the moderator', async () => {
    const id = await reportedImage(service, 3);
    const response = await decide(service, id, { action: 'uphold', note: 'graphic', expectedStatus: 'auto_blocked' });
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({
      imageId: id,
      action: 'uphold',
      fromStatus: 'auto_blocked',
      status: 'blocked',
      closedReports: 3,
    });
    const reports = await reportsOf(service, id);
    expect(reports.map(({ status, decidedBy }) => ({ status, decidedBy }))).toEqual(
      Array(3).fill({ status: 'upheld', decidedBy: 'mod-1' }),
    );
    const audit = await json<{ items: { action: string; actor: string; reason: string }[] }>(
      await service.request(`/v1/moderation/audit?image=${id}`, MOD),
    );
    expect(audit.items[0]).toMatchObject({ action: 'uphold', actor: 'mod-1', reason: 'graphic' });
    expect((await service.request(`/i/${id}`)).status).toBe(410);
  });

  it('when a moderator restores an image, then it is served again and its old readers cannot re-block it', async () => {
    const id = await reportedImage(service, 3);
    expect((await decide(service, id, { action: 'restore' })).status).toBe(200);
    expect((await service.request(`/i/${id}`)).status).toBe(200);

    // The same three readers report again within the cooldown: counted at weight 0.
    const readers = (await reportsOf(service, id)).map((report) => report.reporterId);
    for (const reader of readers) expect((await reportFor(service, id, reader)).status).toBe(202);
    await outboxDoneFor(service, id);
    const evaluation = await evaluateImage(service.deps, id);
    expect(evaluation).toMatchObject({ status: 'visible', score: 0, reports: 3, blocked: false });

    // Five new readers: 5 < 2 × 3, still visible; the sixth reaches the restored threshold of 6.
    for (let i = 0; i < 5; i++) await reportFor(service, id, `fresh-${id}-${i}`);
    await scoreReaches(service, id, 5);
    expect(await service.status(id)).toBe('visible');
    await reportFor(service, id, `fresh-${id}-6`);
    await waitFor(async () => (await service.status(id)) === 'auto_blocked');
  });

  it('when a moderator removes an image, then its bytes are deleted but the record and audit stay', async () => {
    const id = await reportedImage(service, 3);
    await service.request(`/v1/moderation/images/${id}/preview`, MOD); // caches the review preview too
    const response = await decide(service, id, { action: 'remove', note: 'illegal content' });
    expect(await json(response)).toMatchObject({ status: 'removed', closedReports: 3 });
    await waitFor(async () => {
      const keys = [`originals/${id}`, `thumbnails/${id}.webp`, `review/${id}.webp`];
      const present = await Promise.all(
        keys.map((key) =>
          service.deps.storage.get(key).then(
            () => true,
            () => false,
          ),
        ),
      );
      return present.every((found) => !found);
    });
    expect((await service.request(`/i/${id}`)).status).toBe(410);
    expect((await service.request(`/v1/moderation/images/${id}/original`, MOD)).status).toBe(410);
    const detail = await json<{ image: { status: string }; history: { action: string }[] }>(
      await service.request(`/v1/moderation/images/${id}`, MOD),
    );
    expect(detail.image.status).toBe('removed');
    expect(detail.history.map((event) => event.action)).toEqual(['processed', 'auto_block', 'remove']);
  });

  it.each([
    { from: 'removed', action: 'uphold' },
    { from: 'blocked', action: 'uphold' },
    { from: 'removed', action: 'restore' },
    { from: 'removed', action: 'remove' },
  ])('when a moderator tries $action on a $from image, then 409 invalid_transition and nothing changes', async ({ from, action }) => {
    const id = await reportedImage(service, 3);
    expect((await decide(service, id, { action: from === 'blocked' ? 'uphold' : 'remove' })).status).toBe(200);
    const before = await auditEvents(service, id);
    const response = await decide(service, id, { action });
    expect(response.status).toBe(409);
    expect(await json(response)).toMatchObject({ error: { code: 'invalid_transition' } });
    expect(await service.status(id)).toBe(from);
    expect(await auditEvents(service, id)).toEqual(before);
  });

  it('when two moderators decide the same image at once, then exactly one wins and the other gets 409', async () => {
    const id = await reportedImage(service, 3);
    const [a, b] = await Promise.all([
      decide(service, id, { action: 'uphold', expectedStatus: 'auto_blocked' }, 'mod-a'),
      decide(service, id, { action: 'restore', expectedStatus: 'auto_blocked' }, 'mod-b'),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(await json(loser)).toMatchObject({ error: { code: 'status_changed' } });
    const decisions = (await auditEvents(service, id)).filter((event) => event.actorId !== null);
    expect(decisions).toHaveLength(1);
  });

  it('when a moderator restores an image they had upheld, then its reports count as dismissed for their reporters', async () => {
    const id = await reportedImage(service, 3);
    await decide(service, id, { action: 'uphold' });
    const response = await decide(service, id, { action: 'restore' });
    expect(await json(response)).toMatchObject({ status: 'visible' });
    expect(new Set((await reportsOf(service, id)).map((report) => report.status))).toEqual(new Set(['dismissed']));
  });

  it('when a report arrives while a remove decision is being made, then it waits for it and is refused', async () => {
    const id = await reportedImage(service, 1);
    const decision = await service.deps.pool.connect();
    try {
      // Raw SQL on purpose: the test holds the decision's row lock open in its own transaction.
      await decision.query('BEGIN');
      await decision.query(`SELECT 1 FROM images WHERE id = $1 FOR UPDATE`, [id]);
      await decision.query(`UPDATE images SET status = 'removed' WHERE id = $1`, [id]);
      const racing = reportFor(service, id, `racer-${id}`);
      // The report must be waiting on the decision's lock, not answered from the status before it.
      await waitFor(async () => {
        const waiting = await service.deps.pool.query(
          `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`,
        );
        return (waiting.rowCount ?? 0) > 0;
      });
      await decision.query('COMMIT');
      const response = await racing;
      expect(response.status).toBe(409);
      expect(await json(response)).toMatchObject({ error: { code: 'image_not_reportable' } });
    } finally {
      decision.release();
    }
  });

  it('when a moderator reports an image, then a single report blocks it at once', async () => {
    const id = await service.uploadDistinct();
    expect((await postJson(service, `/v1/images/${id}/reports`, { reason: 'illegal' }, MOD)).status).toBe(202);
    await waitFor(async () => (await service.status(id)) === 'auto_blocked');
  });
});

describe('bulk decisions', () => {
  it('when a moderator decides many images at once, then each gets its own result', async () => {
    const blocked = await reportedImage(service, 3);
    const visible = await reportedImage(service, 1);
    const response = await postJson(
      service,
      '/v1/moderation/decisions',
      { ids: [blocked, visible, '00000000-0000-4000-8000-000000000000'], action: 'uphold' },
      MOD,
    );
    expect(response.status).toBe(200);
    const { results } = await json<{ results: { ok: boolean; imageId: string; error?: { code: string } }[] }>(response);
    expect(results.map((result) => [result.imageId, result.ok, result.error?.code])).toEqual([
      [blocked, true, undefined],
      [visible, true, undefined],
      ['00000000-0000-4000-8000-000000000000', false, 'not_found'],
    ]);
    const tooMany = await postJson(service, '/v1/moderation/decisions', { ids: Array(101).fill(blocked), action: 'restore' }, MOD);
    expect(tooMany.status).toBe(400);
  });

  it('when bulk ids differ only in case, then each image is decided once; a stale expectedStatus is refused per image', async () => {
    const a = await reportedImage(service, 3);
    const b = await reportedImage(service, 3);
    await decide(service, b, { action: 'uphold' });
    const response = await postJson(
      service,
      '/v1/moderation/decisions',
      { ids: [a, a.toUpperCase(), b], action: 'restore', expectedStatus: 'auto_blocked' },
      MOD,
    );
    const { results } = await json<{ results: { ok: boolean; imageId: string; error?: { code: string } }[] }>(response);
    expect(results.map((result) => [result.imageId, result.ok, result.error?.code])).toEqual([
      [a, true, undefined],
      [b, false, 'status_changed'],
    ]);
  });
});

describe('who may moderate', () => {
  it('when a reader calls a moderation route, then 403; without a token, then 401', async () => {
    expect((await service.request('/v1/moderation/queue', { as: 'reader' })).status).toBe(403);
    expect((await service.request('/v1/moderation/queue')).status).toBe(401);
  });

  it('when a moderator token is exchanged, then an HttpOnly SameSite=Strict cookie authenticates the moderation API', async () => {
    const response = await service.request('/v1/moderation/session', { method: 'POST', ...MOD });
    expect(response.status).toBe(200);
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/imgmod_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const withCookie = await fetch(`${service.baseUrl}/v1/moderation/queue`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(withCookie.status).toBe(200);
    const readerSession = await service.request('/v1/moderation/session', { method: 'POST', as: 'reader' });
    expect(readerSession.status).toBe(403);
  });
});

import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateImage } from '../../src/evaluation/evaluate-image.js';
import { fixture, startTestService, waitFor, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

const MOD = { as: 'mod-1', role: 'moderator' as const };

function post(path: string, body: unknown, as: { as: string; role?: 'reader' | 'moderator' }) {
  return service.request(path, { method: 'POST', ...as, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

function report(imageId: string, reader: string, reason = 'spam') {
  return post(`/v1/images/${imageId}/reports`, { reason }, { as: reader });
}

async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

let readerCounter = 0;
/** A visible image reported by `count` fresh readers; waits until evaluation settled on the expected status. */
async function reportedImage(count: number, reason = 'spam'): Promise<string> {
  const id = await service.uploadDistinct();
  for (let i = 0; i < count; i++) expect((await report(id, `reader-${++readerCounter}`, reason)).status).toBe(202);
  const expected = count >= 3 ? 'auto_blocked' : 'visible';
  await waitFor(async () => {
    const score = await service.deps.pool.query<{ score: number; status: string }>('SELECT score, status FROM images WHERE id = $1', [id]);
    return score.rows[0]!.status === expected && score.rows[0]!.score === count;
  });
  return id;
}

function decide(id: string, body: Record<string, unknown>, moderator = 'mod-1') {
  return post(`/v1/moderation/images/${id}/decision`, body, { as: moderator, role: 'moderator' });
}

describe('decisions', () => {
  it('when a moderator upholds an auto-blocked image, then it is blocked, its reports upheld and one audit event names the moderator', async () => {
    const id = await reportedImage(3);
    const response = await decide(id, { action: 'uphold', note: 'graphic', expectedStatus: 'auto_blocked' });
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ imageId: id, action: 'uphold', fromStatus: 'auto_blocked', status: 'blocked', closedReports: 3 });
    const reports = await service.deps.pool.query('SELECT DISTINCT status, decided_by FROM reports WHERE image_id = $1', [id]);
    expect(reports.rows).toEqual([{ status: 'upheld', decided_by: 'mod-1' }]);
    const audit = await json<{ items: { action: string; actor: string; reason: string }[] }>(
      await service.request(`/v1/moderation/audit?image=${id}`, MOD),
    );
    expect(audit.items[0]).toMatchObject({ action: 'uphold', actor: 'mod-1', reason: 'graphic' });
    expect((await service.request(`/i/${id}`)).status).toBe(410);
  });

  it('when a moderator restores an image, then it is served again and its old readers cannot re-block it', async () => {
    const id = await reportedImage(3);
    expect((await decide(id, { action: 'restore' })).status).toBe(200);
    expect((await service.request(`/i/${id}`)).status).toBe(200);

    // The same three readers report again within the cooldown: counted at weight 0.
    const readers = await service.deps.pool.query<{ reporter_id: string }>('SELECT reporter_id FROM reports WHERE image_id = $1', [id]);
    for (const { reporter_id } of readers.rows) expect((await report(id, reporter_id)).status).toBe(202);
    await waitFor(async () => (await service.deps.pool.query(`SELECT 1 FROM outbox WHERE done_at IS NULL`)).rowCount === 0);
    const evaluation = await evaluateImage(service.deps, id);
    expect(evaluation).toMatchObject({ status: 'visible', score: 0, reports: 3, blocked: false });

    // Five new readers: 5 < 2 × 3, still visible; the sixth reaches the restored threshold of 6.
    for (let i = 0; i < 5; i++) await report(id, `fresh-${id}-${i}`);
    await waitFor(async () => (await service.deps.pool.query<{ score: number }>('SELECT score FROM images WHERE id = $1', [id])).rows[0]!.score === 5);
    expect(await service.status(id)).toBe('visible');
    await report(id, `fresh-${id}-6`);
    await waitFor(async () => (await service.status(id)) === 'auto_blocked');
  });

  it('when a moderator removes an image, then its bytes are deleted but the record and audit stay', async () => {
    const id = await reportedImage(3);
    await service.request(`/v1/moderation/images/${id}/preview`, MOD); // caches the review preview too
    const response = await decide(id, { action: 'remove', note: 'illegal content' });
    expect(await json(response)).toMatchObject({ status: 'removed', closedReports: 3 });
    await waitFor(async () => {
      const keys = [`originals/${id}`, `thumbnails/${id}.webp`, `review/${id}.webp`];
      const present = await Promise.all(keys.map((key) => service.deps.storage.get(key).then(() => true, () => false)));
      return present.every((found) => !found);
    });
    expect((await service.request(`/i/${id}`)).status).toBe(410);
    expect((await service.request(`/v1/moderation/images/${id}/original`, MOD)).status).toBe(410);
    const detail = await json<{ image: { status: string }; history: { action: string }[] }>(await service.request(`/v1/moderation/images/${id}`, MOD));
    expect(detail.image.status).toBe('removed');
    expect(detail.history.map((event) => event.action)).toEqual(['processed', 'auto_block', 'remove']);
  });

  it.each([
    { from: 'removed', action: 'uphold' },
    { from: 'blocked', action: 'uphold' },
    { from: 'removed', action: 'restore' },
    { from: 'removed', action: 'remove' },
  ])('when a moderator tries $action on a $from image, then 409 invalid_transition and nothing changes', async ({ from, action }) => {
    const id = await reportedImage(3);
    if (from !== 'visible') expect((await decide(id, { action: from === 'blocked' ? 'uphold' : 'remove' })).status).toBe(200);
    const events = async () => (await service.deps.pool.query('SELECT count(*)::int AS n FROM moderation_events WHERE image_id = $1', [id])).rows[0] as { n: number };
    const before = await events();
    const response = await decide(id, { action });
    expect(response.status).toBe(409);
    expect(await json(response)).toMatchObject({ error: { code: 'invalid_transition' } });
    expect(await service.status(id)).toBe(from);
    expect(await events()).toEqual(before);
  });

  it('when two moderators decide the same image at once, then exactly one wins and the other gets 409', async () => {
    const id = await reportedImage(3);
    const [a, b] = await Promise.all([
      decide(id, { action: 'uphold', expectedStatus: 'auto_blocked' }, 'mod-a'),
      decide(id, { action: 'restore', expectedStatus: 'auto_blocked' }, 'mod-b'),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(await json(loser)).toMatchObject({ error: { code: 'status_changed' } });
    const decisions = await service.deps.pool.query(`SELECT actor_id FROM moderation_events WHERE image_id = $1 AND actor_id IS NOT NULL`, [id]);
    expect(decisions.rowCount).toBe(1);
  });

  it('when a moderator decides many images at once, then each gets its own result', async () => {
    const blocked = await reportedImage(3);
    const visible = await reportedImage(1);
    const response = await post('/v1/moderation/decisions', { ids: [blocked, visible, '00000000-0000-4000-8000-000000000000'], action: 'uphold' }, MOD);
    expect(response.status).toBe(200);
    const { results } = await json<{ results: { ok: boolean; imageId: string; error?: { code: string } }[] }>(response);
    expect(results.map((result) => [result.imageId, result.ok, result.error?.code])).toEqual([
      [blocked, true, undefined],
      [visible, true, undefined],
      ['00000000-0000-4000-8000-000000000000', false, 'not_found'],
    ]);
    const tooMany = await post('/v1/moderation/decisions', { ids: Array(101).fill(blocked), action: 'restore' }, MOD);
    expect(tooMany.status).toBe(400);
  });

  it('when bulk ids differ only in case, then each image is decided once; a stale expectedStatus is refused per image', async () => {
    const a = await reportedImage(3);
    const b = await reportedImage(3);
    await decide(b, { action: 'uphold' });
    const response = await post('/v1/moderation/decisions', { ids: [a, a.toUpperCase(), b], action: 'restore', expectedStatus: 'auto_blocked' }, MOD);
    const { results } = await json<{ results: { ok: boolean; imageId: string; error?: { code: string } }[] }>(response);
    expect(results.map((result) => [result.imageId, result.ok, result.error?.code])).toEqual([
      [a, true, undefined],
      [b, false, 'status_changed'],
    ]);
  });

  it('when a moderator restores an image they had upheld, then its reports count as dismissed for their reporters', async () => {
    const id = await reportedImage(3);
    await decide(id, { action: 'uphold' });
    const response = await decide(id, { action: 'restore' });
    expect(await json(response)).toMatchObject({ status: 'visible' });
    const statuses = await service.deps.pool.query('SELECT DISTINCT status FROM reports WHERE image_id = $1', [id]);
    expect(statuses.rows).toEqual([{ status: 'dismissed' }]);
  });

  it('when a report arrives while a remove decision is being made, then it waits for it and is refused', async () => {
    const id = await reportedImage(1);
    const decision = await service.deps.pool.connect();
    try {
      await decision.query('BEGIN');
      await decision.query(`SELECT 1 FROM images WHERE id = $1 FOR UPDATE`, [id]);
      await decision.query(`UPDATE images SET status = 'removed' WHERE id = $1`, [id]);
      const racing = report(id, `racer-${id}`);
      // The report must be waiting on the decision's lock, not answered from the status before it.
      await waitFor(async () => {
        const waiting = await service.deps.pool.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`);
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

  it('when a moderator upholds a block, then copies of the picture uploaded before it are auto-blocked too', async () => {
    const photo = await fixture('real/Landscape_6.jpg');
    const original = await service.uploadProcessed(photo);
    const copy = await service.uploadProcessed(await sharp(photo).rotate().jpeg({ quality: 70 }).toBuffer());
    expect(await service.status(copy)).toBe('visible');
    expect((await decide(original, { action: 'uphold' })).status).toBe(200);
    expect(await service.status(copy)).toBe('auto_blocked');
    const events = await service.deps.pool.query<{ action: string; details: { matchedImageId: string } }>(
      'SELECT action, details FROM moderation_events WHERE image_id = $1 ORDER BY id',
      [copy],
    );
    expect(events.rows.at(-1)).toMatchObject({ action: 'near_duplicate_block', details: { matchedImageId: original } });
  });

  it('when two moderators uphold two copies of one picture at once, then both succeed (no deadlock 500)', async () => {
    const a = await service.uploadProcessed('synthetic/valid-photo.jpg');
    const b = await service.uploadProcessed('synthetic/huge-exif.jpg'); // the same scene, 2 bits apart
    const [first, second] = await Promise.all([decide(a, { action: 'uphold' }, 'mod-a'), decide(b, { action: 'uphold' }, 'mod-b')]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(await Promise.all([service.status(a), service.status(b)])).toEqual(['blocked', 'blocked']);
  });

  it('when a moderator upholds a picture too plain to hash, then its exact copies already up are auto-blocked too', async () => {
    const first = await service.uploadProcessed('real/Flag_of_the_Netherlands-16bit.png', 'uploader-1');
    const second = await service.uploadProcessed('real/Flag_of_the_Netherlands-16bit.png', 'uploader-2');
    expect(await service.status(second)).toBe('visible');
    expect((await decide(first, { action: 'uphold' })).status).toBe(200);
    expect(await service.status(second)).toBe('auto_blocked');
  });

  it('when a restored picture is uploaded again, then its dismissed readers count 0 on the copy and the doubled threshold still applies', async () => {
    const photo = await fixture('real/concert.jpg');
    const original = await service.uploadProcessed(photo);
    const readers = ['r31', 'r32', 'r33'].map((name) => `${name}-${original}`);
    for (const reader of readers) await report(original, reader);
    await waitFor(async () => (await service.status(original)) === 'auto_blocked');
    expect((await decide(original, { action: 'restore' })).status).toBe(200);

    const copy = await service.uploadProcessed(await sharp(photo).jpeg({ quality: 60 }).toBuffer());
    expect(await service.status(copy)).toBe('visible');
    for (const reader of readers) expect((await report(copy, reader)).status).toBe(202);
    const weights = await service.deps.pool.query<{ weight: number }>('SELECT weight FROM reports WHERE image_id = $1', [copy]);
    expect(weights.rows.map((row) => row.weight)).toEqual([0, 0, 0]);
    for (let i = 0; i < 4; i++) await report(copy, `new-${copy}-${i}`);
    await waitFor(async () => (await service.deps.pool.query<{ score: number }>('SELECT score FROM images WHERE id = $1', [copy])).rows[0]!.score === 4);
    expect(await service.status(copy)).toBe('visible'); // 4 < 2 × 3
  });

  it('when a moderator reports an image, then a single report blocks it at once', async () => {
    const id = await service.uploadDistinct();
    expect((await post(`/v1/images/${id}/reports`, { reason: 'illegal' }, MOD)).status).toBe(202);
    await waitFor(async () => (await service.status(id)) === 'auto_blocked');
  });

  it('when a reader calls a moderation route, then 403; without a token, then 401', async () => {
    expect((await service.request('/v1/moderation/queue', { as: 'reader' })).status).toBe(403);
    expect((await service.request('/v1/moderation/queue')).status).toBe(401);
  });
});

describe('reporter trust', () => {
  /** Gives a reader a track record by deciding reports on fresh images. */
  async function trackRecord(reader: string, upheld: number, dismissed: number): Promise<void> {
    const outcomes = [...Array<string>(upheld).fill('uphold'), ...Array<string>(dismissed).fill('restore')];
    for (const outcome of outcomes) {
      const id = await service.uploadDistinct();
      await report(id, reader);
      await report(id, `${reader}-helper-a-${id}`);
      await report(id, `${reader}-helper-b-${id}`);
      await waitFor(async () => (await service.status(id)) === 'auto_blocked');
      expect((await decide(id, { action: outcome })).status).toBe(200);
    }
  }

  it('when a reader was dismissed 3 times out of 10, then their new reports count 0 and they are shown as suppressed', async () => {
    await trackRecord('noisy', 7, 3);
    const id = await service.uploadDistinct();
    expect((await report(id, 'noisy')).status).toBe(202);
    const weight = await service.deps.pool.query<{ weight: number }>('SELECT weight FROM reports WHERE image_id = $1', [id]);
    expect(weight.rows[0]!.weight).toBe(0);
    const detail = await json<{ reporters: { reporterId: string; suppressed: boolean; upheld: number; dismissed: number }[] }>(
      await service.request(`/v1/moderation/images/${id}`, MOD),
    );
    expect(detail.reporters).toEqual([expect.objectContaining({ reporterId: 'noisy', upheld: 7, dismissed: 3, suppressed: true })]);
  }, 90_000); // eleven uploads, each hashed (PDQ in 8 orientations and 18 crops) and decided, on a loaded machine

  it('when a reader was upheld 6 times out of 8, then their report weighs 1.25', async () => {
    await trackRecord('careful', 6, 2);
    const id = await service.uploadDistinct();
    await report(id, 'careful');
    const weight = await service.deps.pool.query<{ weight: number }>('SELECT weight FROM reports WHERE image_id = $1', [id]);
    expect(weight.rows[0]!.weight).toBe(1.25);
  }, 90_000);
});

describe('review images', () => {
  it('when a moderator opens an image, then reports, reporters, history and safe links are shown; the preview is blurred and grey', async () => {
    const id = await reportedImage(3, 'violence');
    const detail = await json<{ image: Record<string, unknown>; reports: unknown[]; history: { action: string; details: Record<string, unknown> }[]; links: { previewUrl: string; originalUrl: string } }>(
      await service.request(`/v1/moderation/images/${id}`, MOD),
    );
    expect(detail.image).toMatchObject({ id, status: 'auto_blocked', openReports: 3, openScore: 3, byReason: { violence: 3 } });
    expect(detail.reports).toHaveLength(3);
    expect(detail.reports[0]).toMatchObject({ reason: 'violence', weight: 1, status: 'open', reporterRole: 'reader' });
    expect(detail.history.at(-1)).toMatchObject({ action: 'auto_block', details: { rule: 'total_score', score: 3, threshold: 3, byReason: { violence: 3 } } });

    const preview = await service.request(detail.links.previewUrl, MOD);
    expect(preview.headers.get('content-type')).toBe('image/webp');
    expect(preview.headers.get('cache-control')).toBe('private, no-store');
    const { data, info } = await sharp(Buffer.from(await preview.arrayBuffer())).raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBeLessThanOrEqual(320);
    for (let pixel = 0; pixel < data.length; pixel += info.channels * 97) {
      const [r, g, b] = [data[pixel]!, data[pixel + 1]!, data[pixel + 2]!];
      expect(Math.max(r, g, b) - Math.min(r, g, b)).toBeLessThanOrEqual(3); // greyscale, give or take WebP's chroma rounding
    }

    const original = await service.request(detail.links.originalUrl, MOD);
    const bytes = Buffer.from(await original.arrayBuffer());
    const stored = await service.deps.pool.query<{ sha256: string }>('SELECT sha256 FROM images WHERE id = $1', [id]);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(stored.rows[0]!.sha256);
    expect((await service.request(detail.links.originalUrl, { as: 'reader' })).status).toBe(403);
  });
});

describe('review queues', () => {
  it('when filtering by state and reason, then only matching images are listed with their counts', async () => {
    const hate = await reportedImage(3, 'hate');
    const reported = await reportedImage(2, 'copyright');
    type Page = { items: { id: string; status: string; openReports: number; score: number; byReason: Record<string, number>; previewUrl: string; uploaderId: string }[]; nextCursor: string | null };
    const autoBlocked = await json<Page>(await service.request('/v1/moderation/queue?reason=hate&limit=100', MOD));
    expect(autoBlocked.items.map((item) => item.id)).toContain(hate);
    expect(autoBlocked.items.every((item) => item.status === 'auto_blocked' && item.byReason.hate! > 0)).toBe(true);
    const item = autoBlocked.items.find((candidate) => candidate.id === hate)!;
    expect(item).toMatchObject({ openReports: 3, score: 3, byReason: { hate: 3 }, previewUrl: `/v1/moderation/images/${hate}/preview`, uploaderId: 'uploader' });

    const visible = await json<Page>(await service.request('/v1/moderation/queue?state=reported&reason=copyright', MOD));
    expect(visible.items.map((candidate) => candidate.id)).toEqual([reported]);
    expect((await service.request('/v1/moderation/queue?state=nonsense', MOD)).status).toBe(400);
  });

  it('when paging by score while images enter the queue and scores rise, then no item is repeated or skipped', async () => {
    const reason = 'harassment';
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await reportedImage(3, reason));
    type Page = { items: { id: string }[]; nextCursor: string | null };
    const page = async (cursor: string | null) =>
      json<Page>(await service.request(`/v1/moderation/queue?reason=${reason}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, MOD));

    const first = await page(null);
    const seen = first.items.map((item) => item.id);
    // Between two pages a new image is blocked, and an image not yet seen gains three reports (score 3 → 6).
    await reportedImage(3, reason);
    const unseen = ids.find((id) => !seen.includes(id))!;
    for (let i = 0; i < 3; i++) await report(unseen, `late-${unseen}-${i}`, reason);
    await waitFor(async () => (await service.deps.pool.query<{ score: number }>('SELECT score FROM images WHERE id = $1', [unseen])).rows[0]!.score === 6);

    for (let cursor = first.nextCursor; cursor; ) {
      const next = await page(cursor);
      seen.push(...next.items.map((item) => item.id));
      cursor = next.nextCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) expect(seen).toContain(id);
  });

  it('when a cursor is tampered with or reused for another sort, then 400 invalid_cursor, never 500', async () => {
    for (let i = 0; i < 3; i++) await reportedImage(3, 'copyright');
    const first = await json<{ nextCursor: string }>(await service.request('/v1/moderation/queue?reason=copyright&limit=1', MOD));
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const decoded = JSON.parse(Buffer.from(first.nextCursor, 'base64url').toString()) as Record<string, unknown>;
    const bad = [
      `/v1/moderation/queue?reason=copyright&sort=oldest&cursor=${first.nextCursor}`,
      `/v1/moderation/queue?cursor=${encode({ ...decoded, key: ['abc', '00000000-0000-4000-8000-000000000000'] })}`,
      `/v1/moderation/queue?cursor=${encode({ ...decoded, key: ['1', 'nope'] })}`,
      `/v1/moderation/queue?cursor=${encode(['abc', '00000000-0000-4000-8000-000000000000'])}`,
      `/v1/moderation/queue?cursor=garbage`,
      `/v1/moderation/audit?cursor=${encode(['abc'])}`,
      `/v1/moderation/audit?cursor=${encode(['1.5'])}`,
      `/v1/moderation/audit?cursor=${encode(['1e30'])}`,
    ];
    for (const path of bad) {
      const response = await service.request(path, MOD);
      expect([path, response.status]).toEqual([path, 400]);
      expect(await response.json()).toMatchObject({ error: { code: expect.stringMatching(/invalid_cursor|bad_request/) as unknown } });
    }
    expect((await service.request(`/v1/moderation/queue?reason=copyright&limit=1&cursor=${first.nextCursor}`, MOD)).status).toBe(200);
  });

  it('when sorting oldest and newest first, then the order follows the time images entered the queue', async () => {
    const reason = 'other';
    const a = await reportedImage(3, reason);
    const b = await reportedImage(3, reason);
    type Page = { items: { id: string }[] };
    const oldest = await json<Page>(await service.request(`/v1/moderation/queue?reason=${reason}&sort=oldest`, MOD));
    const newest = await json<Page>(await service.request(`/v1/moderation/queue?reason=${reason}&sort=newest`, MOD));
    expect(oldest.items.map((item) => item.id)).toEqual([a, b]);
    expect(newest.items.map((item) => item.id)).toEqual([b, a]);
  });

  it('when an image is restored, then it moves to the restored queue', async () => {
    const id = await reportedImage(3, 'nudity');
    await decide(id, { action: 'restore' });
    const restored = await json<{ items: { id: string; byReason: Record<string, number> }[] }>(await service.request('/v1/moderation/queue?state=restored&reason=nudity', MOD));
    expect(restored.items.map((item) => item.id)).toEqual([id]);
    expect(restored.items[0]!.byReason).toEqual({ nudity: 3 });
  });
});

describe('audit log', () => {
  it('when filtering by actor and paging, then events come newest first without repeats', async () => {
    const id = await reportedImage(3);
    await decide(id, { action: 'restore' }, 'auditor');
    type Page = { items: { id: number; actor: string; action: string }[]; nextCursor: string | null };
    const byActor = await json<Page>(await service.request('/v1/moderation/audit?actor=auditor', MOD));
    expect(byActor.items).toEqual([expect.objectContaining({ actor: 'auditor', action: 'restore' })]);
    const system = await json<Page>(await service.request(`/v1/moderation/audit?actor=system&image=${id}`, MOD));
    expect(system.items.map((event) => event.action)).toEqual(['auto_block', 'processed']);

    const first = await json<Page>(await service.request(`/v1/moderation/audit?image=${id}&limit=2`, MOD));
    const second = await json<Page>(await service.request(`/v1/moderation/audit?image=${id}&limit=2&cursor=${first.nextCursor}`, MOD));
    expect([...first.items, ...second.items].map((event) => event.action)).toEqual(['restore', 'auto_block', 'processed']);
    expect(second.nextCursor).toBeNull();
    const future = await json<Page>(await service.request(`/v1/moderation/audit?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, MOD));
    expect(future.items).toEqual([]);
  });
});

describe('moderator session', () => {
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

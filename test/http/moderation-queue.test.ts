/**
 * The review queues through the API: filtering by state and reason, paging by score while the queue moves,
 * cursors, sort orders, the restored queue, and what a moderator sees on opening one image (reports, reporters,
 * history, the blurred preview and the original). The queues are shared by every test in the file, so each test
 * asserts on the images it made and on the filter holding for every item, never on the queue's length.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { imageRecord, scoreReaches } from '../helpers/records.js';
import { decide, json, MOD, reportedImage, reportFor } from '../helpers/moderation.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

type QueueItem = {
  id: string;
  status: string;
  openReports: number;
  score: number;
  byReason: Record<string, number>;
  previewUrl: string;
  uploaderId: string;
};
type Page = { items: QueueItem[]; nextCursor: string | null };

async function queuePage(query: string): Promise<Page> {
  return json<Page>(await service.request(`/v1/moderation/queue?${query}`, MOD));
}

describe('review queues', () => {
  it('when filtering by state and reason, then only matching images are listed with their counts', async () => {
    const hate = await reportedImage(service, 3, 'hate');
    const reported = await reportedImage(service, 2, 'copyright');
    const autoBlocked = await queuePage('reason=hate&limit=100');
    expect(autoBlocked.items.map((item) => item.id)).toContain(hate);
    expect(autoBlocked.items.map((item) => item.id)).not.toContain(reported);
    expect(autoBlocked.items.every((item) => item.status === 'auto_blocked' && item.byReason.hate! > 0)).toBe(true);
    const item = autoBlocked.items.find((candidate) => candidate.id === hate)!;
    expect(item).toMatchObject({
      openReports: 3,
      score: 3,
      byReason: { hate: 3 },
      previewUrl: `/v1/moderation/images/${hate}/preview`,
      uploaderId: 'uploader',
    });

    const visible = await queuePage('state=reported&reason=copyright&limit=100');
    expect(visible.items.map((candidate) => candidate.id)).toContain(reported);
    expect(visible.items.map((candidate) => candidate.id)).not.toContain(hate);
    expect(visible.items.every((candidate) => candidate.status === 'visible' && candidate.byReason.copyright! > 0)).toBe(true);
    expect((await service.request('/v1/moderation/queue?state=nonsense', MOD)).status).toBe(400);
  });

  it('when paging by score while images enter the queue and scores rise, then no item is repeated or skipped', async () => {
    const reason = 'harassment';
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await reportedImage(service, 3, reason));
    const page = (cursor: string | null) => queuePage(`reason=${reason}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);

    const first = await page(null);
    const seen = first.items.map((item) => item.id);
    // Between two pages a new image is blocked, and an image not yet seen gains three reports (score 3 → 6).
    await reportedImage(service, 3, reason);
    const unseen = ids.find((id) => !seen.includes(id))!;
    for (let i = 0; i < 3; i++) await reportFor(service, unseen, `late-${unseen}-${i}`, reason);
    await scoreReaches(service, unseen, 6);

    for (let cursor = first.nextCursor; cursor;) {
      const next = await page(cursor);
      seen.push(...next.items.map((item) => item.id));
      cursor = next.nextCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) expect(seen).toContain(id);
  });

  it('when a cursor is tampered with or reused for another sort, then 400 invalid_cursor, never 500', async () => {
    for (let i = 0; i < 3; i++) await reportedImage(service, 3, 'copyright');
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
    const a = await reportedImage(service, 3, reason);
    const b = await reportedImage(service, 3, reason);
    const mine = (page: Page) => page.items.map((item) => item.id).filter((id) => id === a || id === b);
    expect(mine(await queuePage(`reason=${reason}&sort=oldest&limit=100`))).toEqual([a, b]);
    expect(mine(await queuePage(`reason=${reason}&sort=newest&limit=100`))).toEqual([b, a]);
  });

  it('when an image is restored, then it moves to the restored queue', async () => {
    const id = await reportedImage(service, 3, 'nudity');
    await decide(service, id, { action: 'restore' });
    const restored = await queuePage('state=restored&reason=nudity&limit=100');
    expect(restored.items.find((item) => item.id === id)?.byReason).toEqual({ nudity: 3 });
    expect((await queuePage('reason=nudity&limit=100')).items.map((item) => item.id)).not.toContain(id);
  });
});

describe('one image under review', () => {
  it('when a moderator opens an image, then reports, reporters, history and safe links are shown; the preview is blurred and grey', async () => {
    const id = await reportedImage(service, 3, 'violence');
    const detail = await json<{
      image: Record<string, unknown>;
      reports: unknown[];
      history: { action: string; details: Record<string, unknown> }[];
      links: { previewUrl: string; originalUrl: string };
    }>(await service.request(`/v1/moderation/images/${id}`, MOD));
    expect(detail.image).toMatchObject({ id, status: 'auto_blocked', openReports: 3, openScore: 3, byReason: { violence: 3 } });
    expect(detail.reports).toHaveLength(3);
    expect(detail.reports[0]).toMatchObject({ reason: 'violence', weight: 1, status: 'open', reporterRole: 'reader' });
    expect(detail.history.at(-1)).toMatchObject({
      action: 'auto_block',
      details: { rule: 'total_score', score: 3, threshold: 3, byReason: { violence: 3 } },
    });

    const preview = await service.request(detail.links.previewUrl, MOD);
    expect(preview.headers.get('content-type')).toBe('image/webp');
    expect(preview.headers.get('cache-control')).toBe('private, no-store');
    const { data, info } = await sharp(Buffer.from(await preview.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(info.width).toBeLessThanOrEqual(320);
    for (let pixel = 0; pixel < data.length; pixel += info.channels * 97) {
      const [r, g, b] = [data[pixel]!, data[pixel + 1]!, data[pixel + 2]!];
      expect(Math.max(r, g, b) - Math.min(r, g, b)).toBeLessThanOrEqual(3); // greyscale, give or take WebP's chroma rounding
    }

    const original = await service.request(detail.links.originalUrl, MOD);
    const bytes = Buffer.from(await original.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe((await imageRecord(service, id)).sha256);
    expect((await service.request(detail.links.originalUrl, { as: 'reader' })).status).toBe(403);
  });
});

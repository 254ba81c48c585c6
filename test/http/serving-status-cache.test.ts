/**
 * The serving cache (images/serving-cache.ts): /i/:id answers from memory, a committed change is served at once
 * (the image_changed notification), and while the LISTEN connection is lost nothing is answered from memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forceStatus } from '../helpers/records.js';
import { startTestService, waitFor, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ env: { SERVING_CACHE_MS: '60000' } });
});
afterAll(async () => {
  await service.close();
});

const served = async (id: string) => (await service.request(`/i/${id}`)).status;
const bytesOf = async (path: string) => Buffer.from(await (await service.request(path)).arrayBuffer());
const keysOf = async (id: string) =>
  (
    await service.deps.pool.query<{ display: string; thumbnail: string }>(
      'SELECT display_key AS display, thumbnail_key AS thumbnail FROM images WHERE id = $1',
      [id],
    )
  ).rows[0]!;

/** Changes the status without the trigger: a change the cache cannot hear of, to show what it answers from. */
async function silentStatus(id: string, status: string): Promise<void> {
  const client = await service.deps.pool.connect();
  try {
    // Replica mode skips ordinary triggers for this transaction only, without locking the table as ALTER TABLE would.
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    await client.query('UPDATE images SET status = $2 WHERE id = $1', [id, status]);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

describe('serving cache', () => {
  it('when an image is served twice, then the second answer comes from memory (a change nobody announced is not seen)', async () => {
    const id = await service.uploadProcessed('real/concert.jpg');
    await waitFor(async () => (await served(id)) === 200 && service.deps.servingCache.live());
    expect(await served(id)).toBe(200);
    await silentStatus(id, 'blocked');
    expect(await served(id)).toBe(200);
    await forceStatus(service, id, 'visible'); // a real change again: the entry is dropped
  });

  it('when an image is served again, then its bytes come from memory until a change to the image drops them', async () => {
    const id = await service.uploadProcessed('real/concert.jpg');
    await waitFor(async () => (await served(id)) === 200 && service.deps.servingCache.live());
    const display = await bytesOf(`/i/${id}`);
    const thumbnail = await bytesOf(`/i/${id}/thumb`);
    expect(service.deps.servingCache.bytesKept()).toBeGreaterThanOrEqual(display.length + thumbnail.length);
    const keys = await keysOf(id);
    // Files rewritten behind the cache's back: what is served still comes from memory.
    await service.deps.storage.put(keys.display, Buffer.from('not-the-display'));
    await service.deps.storage.put(keys.thumbnail, Buffer.from('not-the-thumbnail'));
    expect((await bytesOf(`/i/${id}`)).equals(display)).toBe(true);
    expect((await bytesOf(`/i/${id}/thumb`)).equals(thumbnail)).toBe(true);
    // A committed change to the row drops the entry and its bytes: the files are read again.
    await forceStatus(service, id, 'blocked');
    await waitFor(async () => (await served(id)) === 410);
    await forceStatus(service, id, 'visible');
    await waitFor(async () => (await served(id)) === 200);
    expect((await bytesOf(`/i/${id}`)).toString()).toBe('not-the-display');
    expect((await bytesOf(`/i/${id}/thumb`)).toString()).toBe('not-the-thumbnail');
    await service.deps.storage.put(keys.display, display);
    await service.deps.storage.put(keys.thumbnail, thumbnail);
  });

  it('when an image is served under its id in capitals, then a block is heard there too (the cache keys ids in one case)', async () => {
    const id = await service.uploadProcessed('real/concert.jpg');
    const capitals = id.toUpperCase();
    await waitFor(async () => (await served(capitals)) === 200 && service.deps.servingCache.live());
    expect(await served(capitals)).toBe(200); // kept in memory now
    await forceStatus(service, id, 'blocked');
    await waitFor(async () => (await served(capitals)) === 410, 15_000); // the cache would keep the entry for 60 s
  });

  it('when an image is blocked, then /i/:id answers 410 as soon as the change is heard, long before the cache would expire', async () => {
    const id = await service.uploadProcessed('real/concert.jpg');
    await waitFor(async () => (await served(id)) === 200 && service.deps.servingCache.live());
    const blockedAt = Date.now();
    await forceStatus(service, id, 'blocked');
    await waitFor(async () => (await served(id)) === 410);
    expect(Date.now() - blockedAt).toBeLessThan(10_000); // the cache would keep the entry for 60 s
  });

  it('when the LISTEN connection is lost, then serving reads PostgreSQL until it is back', async () => {
    const id = await service.uploadProcessed('real/concert.jpg');
    await waitFor(async () => (await served(id)) === 200 && service.deps.servingCache.live());
    await service.deps.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'imgmod-image-changes' AND datname = current_database()`,
    );
    await waitFor(() => Promise.resolve(!service.deps.servingCache.live()));
    await silentStatus(id, 'blocked');
    expect(await served(id)).toBe(410);
    await waitFor(() => Promise.resolve(service.deps.servingCache.live()));
  });
});

/**
 * The serving cache's memory for derivative bytes (images/serving-cache.ts): within SERVING_CACHE_MB, least
 * recently served dropped first, never kept for a record that is no longer the entry's, dropped with its image's
 * change notification. Against the test database's real LISTEN.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServingRecord } from '../../src/db/images.repository.js';
import { startServingCache, type ServingCache } from '../../src/images/serving-cache.js';
import { startTestService, waitFor, type TestService } from '../helpers/test-service.js';

let service: TestService;
let cache: ServingCache;
beforeAll(async () => {
  service = await startTestService({ workers: false });
  cache = startServingCache(
    { DATABASE_URL: service.deps.config.DATABASE_URL, SERVING_CACHE_MS: 60_000, SERVING_CACHE_MB: 1 },
    service.deps.logger,
  );
  cache.get('start-listening');
  await waitFor(() => Promise.resolve(cache.live()));
});
afterAll(async () => {
  await cache.close();
  await service.close();
});

const KIB = 1024;
let next = 0;
/** A record put in the cache, as serveImage does after reading PostgreSQL. */
function cached(): ServingRecord {
  const record: ServingRecord = {
    id: `cache-test-${++next}`,
    status: 'visible',
    thumbnailKey: 't',
    displayKey: 'd',
    displayMimeType: 'image/jpeg',
    updatedAt: new Date(),
  };
  cache.set(record.id, record, cache.stamp());
  return record;
}

/** Sends an image_changed notification for `imageId`, and waits until the cache has heard it. */
async function announceChange(imageId: string): Promise<void> {
  const sentinel = cached();
  await service.deps.pool.query(`SELECT pg_notify('image_changed', $1)`, [imageId]);
  // Notifications arrive in commit order: once the later one for the sentinel is heard, so was this one.
  await service.deps.pool.query(`SELECT pg_notify('image_changed', $1)`, [sentinel.id]);
  await waitFor(() => Promise.resolve(cache.get(sentinel.id) === undefined));
}

describe('serving cache records', () => {
  it('when a change is heard while a record was being read (a block committing), then that record is not kept', async () => {
    const stale: ServingRecord = { ...cached(), id: `cache-test-stale-${++next}` };
    const stamp = cache.stamp(); // serveImage takes it, then reads PostgreSQL ...
    await announceChange(stale.id); // ... while a block commits and is announced
    cache.set(stale.id, stale, stamp);
    expect(cache.get(stale.id)).toBeUndefined();
    // A read that began after the change is kept.
    cache.set(stale.id, stale, cache.stamp());
    expect(cache.get(stale.id)).toBe(stale);
  });

  it('when the LISTEN connection was lost while a record was being read, then that record is not kept', async () => {
    const record: ServingRecord = { ...cached(), id: `cache-test-deaf-${++next}` };
    const stamp = cache.stamp();
    await service.deps.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'imgmod-image-changes' AND datname = current_database()`,
    );
    await waitFor(() => Promise.resolve(!cache.live()));
    await waitFor(() => Promise.resolve(cache.live()));
    cache.set(record.id, record, stamp);
    expect(cache.get(record.id)).toBeUndefined();
  });
});

describe('serving cache bytes', () => {
  it('when more bytes are kept than SERVING_CACHE_MB, then the least recently served go first', () => {
    const records = Array.from({ length: 12 }, () => cached());
    records.forEach((record, index) => {
      cache.keepBytes(record, 'display', Buffer.alloc(100 * KIB, index));
      if (index === 8) cache.bytes(records[0]!, 'display'); // served again: it is the most recent now
    });
    expect(cache.bytesKept()).toBeLessThanOrEqual(1024 * KIB);
    expect(cache.bytesKept()).toBe(10 * 100 * KIB);
    expect(cache.bytes(records[0]!, 'display')?.[0]).toBe(0);
    expect(cache.bytes(records[1]!, 'display')).toBeUndefined();
    expect(cache.bytes(records[2]!, 'display')).toBeUndefined();
    expect(cache.bytes(records[11]!, 'display')?.[0]).toBe(11);
  });

  it('when one file is larger than an eighth of the budget, then it is not kept', () => {
    const record = cached();
    cache.keepBytes(record, 'thumbnail', Buffer.alloc(129 * KIB));
    expect(cache.bytes(record, 'thumbnail')).toBeUndefined();
    cache.keepBytes(record, 'thumbnail', Buffer.alloc(128 * KIB));
    expect(cache.bytes(record, 'thumbnail')?.length).toBe(128 * KIB);
  });

  it('when the entry was replaced while its file was read, then the bytes are not kept for the new record', () => {
    const stale = cached();
    const fresh = { ...stale, updatedAt: new Date(stale.updatedAt.getTime() + 1) };
    cache.set(fresh.id, fresh, cache.stamp());
    cache.keepBytes(stale, 'display', Buffer.from('old version'));
    expect(cache.bytes(fresh, 'display')).toBeUndefined();
    expect(cache.bytes(stale, 'display')).toBeUndefined();
  });

  it('when the bytes read are a small slice of a larger buffer (S3 storage, Node 8 KiB pool), then the memory kept is the memory counted', () => {
    const record = cached();
    const pooled = Buffer.from(new Uint8Array(100).fill(7)); // as s3-storage.ts returns a small file
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length);
    const before = cache.bytesKept();
    cache.keepBytes(record, 'thumbnail', pooled);
    const kept = cache.bytes(record, 'thumbnail')!;
    expect(kept.equals(pooled)).toBe(true);
    expect(cache.bytesKept()).toBe(before + 100);
    expect(kept.buffer.byteLength).toBe(kept.length); // not the whole pool slab, pinned for 100 counted bytes
  });

  it('when the image changes, then its bytes are dropped with its entry', async () => {
    const record = cached();
    cache.keepBytes(record, 'display', Buffer.alloc(10 * KIB));
    const before = cache.bytesKept();
    await service.deps.pool.query(`SELECT pg_notify('image_changed', $1)`, [record.id]);
    await waitFor(() => Promise.resolve(cache.get(record.id) === undefined));
    expect(cache.bytes(record, 'display')).toBeUndefined();
    expect(cache.bytesKept()).toBe(before - 10 * KIB);
  });
});

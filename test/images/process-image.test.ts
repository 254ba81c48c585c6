import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processImage } from '../../src/images/process-image.js';
import { displayKey, originalKey, reviewKey, thumbnailKey } from '../../src/storage/keys.js';
import type { Storage } from '../../src/storage/storage.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeAll(async () => {
  // No workers: this file drives processImage directly.
  service = await startTestService({ workers: false });
});
afterAll(() => service.close());

async function uploaded(file: string): Promise<string> {
  const response = await service.upload(file);
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

async function row(id: string) {
  const result = await service.deps.pool.query<{ status: string; failure_reason: string | null; display_key: string | null }>(
    'SELECT status, failure_reason, display_key FROM images WHERE id = $1',
    [id],
  );
  return result.rows[0]!;
}

describe('processImage', () => {
  it('when the time budget runs out (and the one larger retry too), then the image is failed with processing_timeout instead of the job stalling', async () => {
    const id = await uploaded('real/2569067123_aca715a2ee_o.jpg');
    const config = { ...service.deps.config, JOB_TIMEOUT_MS: 1 };
    expect(await processImage({ ...service.deps, config }, id)).toBe('failed');
    expect(await row(id)).toMatchObject({ status: 'failed', failure_reason: 'processing_timeout: image processing took longer than 3 ms' });
  });

  it('when a visible image without a served derivative is processed again (migration 002), then it gets one and stays visible', async () => {
    const id = await uploaded('real/concert.jpg');
    expect(await processImage(service.deps, id)).toBe('visible');
    await service.deps.pool.query('UPDATE images SET display_key = NULL WHERE id = $1', [id]);
    expect(await processImage(service.deps, id)).toBe('visible');
    expect((await row(id)).display_key).toBe(`display/${id}.jpeg`);
    const events = await service.deps.pool.query('SELECT action FROM moderation_events WHERE image_id = $1', [id]);
    expect(events.rows).toEqual([{ action: 'processed' }]);
  });

  it('when the original is gone from storage, then the image fails with original_missing, not "cannot decode image"', async () => {
    const id = await uploaded('real/concert.jpg');
    await service.deps.storage.delete(originalKey(id));
    expect(await processImage(service.deps, id)).toBe('failed');
    expect((await row(id)).failure_reason).toMatch(/^original_missing: /);
  });

  it('when a moderator removes the image while its derivatives are made, then it stays removed and the new files are deleted', async () => {
    const id = await uploaded('real/concert.jpg');
    let removed = false;
    // The removal lands after the derivatives are stored and before they are recorded.
    const storage: Storage = {
      ...service.deps.storage,
      put: async (key, bytes) => {
        await service.deps.storage.put(key, bytes);
        if (!removed && key === reviewKey(id)) {
          removed = true;
          await service.deps.pool.query(`UPDATE images SET status = 'removed' WHERE id = $1`, [id]);
        }
      },
    };
    expect(await processImage({ ...service.deps, storage }, id)).toBe('removed');
    expect(removed).toBe(true);
    expect((await row(id)).status).toBe('removed');
    for (const key of [displayKey(id, 'jpeg'), thumbnailKey(id), reviewKey(id)]) {
      await expect(service.deps.storage.get(key)).rejects.toThrow(/no stored object/);
    }
  });
});

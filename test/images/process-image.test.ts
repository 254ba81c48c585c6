import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processImage } from '../../src/images/process-image.js';
import { displayKey, originalKey, reviewKey, thumbnailKey } from '../../src/storage/keys.js';
import type { Storage } from '../../src/storage/storage.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { auditActions, forceStatus, forgetDisplay, imageRecord } from '../helpers/records.js';

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

describe('processImage', () => {
  it('when the time budget runs out (and the one larger retry too), then the image is failed with processing_timeout instead of the job stalling', async () => {
    const id = await uploaded('real/2569067123_aca715a2ee_o.jpg');
    const config = { ...service.deps.config, JOB_TIMEOUT_MS: 1 };
    expect(await processImage({ ...service.deps, config }, id)).toBe('failed');
    expect(await imageRecord(service, id)).toMatchObject({
      status: 'failed',
      failureReason: 'processing_timeout: image processing took longer than 3 ms',
    });
  });

  it('when a visible image without a served derivative is processed again (migration 002), then it gets one and stays visible', async () => {
    const id = await uploaded('real/concert.jpg');
    expect(await processImage(service.deps, id)).toBe('visible');
    await forgetDisplay(service, id);
    expect(await processImage(service.deps, id)).toBe('visible');
    expect((await imageRecord(service, id)).displayKey).toBe(`display/${id}.jpeg`);
    expect(await auditActions(service, id)).toEqual(['processed']);
  });

  it('when the original is gone from storage, then the image fails with original_missing, not "cannot decode image"', async () => {
    const id = await uploaded('real/concert.jpg');
    await service.deps.storage.delete(originalKey(id));
    expect(await processImage(service.deps, id)).toBe('failed');
    expect((await imageRecord(service, id)).failureReason).toMatch(/^original_missing: /);
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
          await forceStatus(service, id, 'removed');
        }
      },
    };
    expect(await processImage({ ...service.deps, storage }, id)).toBe('removed');
    expect(removed).toBe(true);
    expect(await service.status(id)).toBe('removed');
    for (const key of [displayKey(id, 'jpeg'), thumbnailKey(id), reviewKey(id)]) {
      await expect(service.deps.storage.get(key)).rejects.toThrow(/no stored object/);
    }
  });
});

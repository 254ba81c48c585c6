import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertImage } from '../../src/db/images.repository.js';
import { enqueueOutbox } from '../../src/db/outbox.repository.js';
import { startTestService, fixture, waitFor, type TestService } from '../helpers/test-service.js';
import { auditEvents, imageRecord } from '../helpers/records.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

/** Stores bytes as an original behind intake's back, as if a file had slipped past it, and asks for its derivatives. */
async function storeUnchecked(bytes: Buffer): Promise<string> {
  const id = randomUUID();
  await service.deps.storage.put(`originals/${id}`, bytes);
  await insertImage(service.deps.pool, {
    siteId: 'default',
    id,
    uploaderId: 'u',
    sha256: '0'.repeat(64),
    bytes: bytes.length || 1,
    mimeType: 'image/jpeg',
    storageKey: `originals/${id}`,
  });
  await enqueueOutbox(service.deps.pool, { topic: 'process-image', imageId: id });
  return id;
}

describe('process-image worker', () => {
  it.each(['synthetic/truncated.jpg', 'synthetic/truncated.png', 'real/corrupt-header.jpg', 'synthetic/text-as-jpg.jpg'])(
    'when the stored original %s cannot be decoded, then the image is failed with the reason and the worker takes the next job',
    async (file) => {
      const broken = await storeUnchecked(await fixture(file));
      await waitFor(async () => (await service.status(broken)) === 'failed');
      expect((await imageRecord(service, broken)).failureReason).toMatch(/^cannot decode image: /);
      const events = await auditEvents(service, broken);
      expect(events.map(({ action, toStatus }) => ({ action, toStatus }))).toEqual([{ action: 'processing_failed', toStatus: 'failed' }]);

      const next = await service.uploadProcessed('real/concert.jpg');
      expect(await service.status(next)).toBe('visible');
    },
  );

  it('when the original has vanished from storage, then the image is failed rather than retried forever', async () => {
    const id = randomUUID();
    await insertImage(service.deps.pool, {
      siteId: 'default',
      id,
      uploaderId: 'u',
      sha256: '0'.repeat(64),
      bytes: 1,
      mimeType: 'image/jpeg',
      storageKey: `originals/${id}`,
    });
    await enqueueOutbox(service.deps.pool, { topic: 'process-image', imageId: id });
    await waitFor(async () => (await service.status(id)) === 'failed');
  });

  it('when a failed image is requested, then /i/:id answers 404 image_unavailable, never 500', async () => {
    const id = await storeUnchecked(await fixture('synthetic/truncated.jpg'));
    await waitFor(async () => (await service.status(id)) === 'failed');
    const response = await service.request(`/i/${id}`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'image_unavailable' } });
  });
});

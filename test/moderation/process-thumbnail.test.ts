import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processThumbnail } from '../../src/moderation/process-thumbnail.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeAll(async () => {
  // No workers: this file drives processThumbnail directly.
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

describe('processThumbnail', () => {
  it('when the time budget runs out (and the one larger retry too), then the image is failed with processing_timeout instead of the job stalling', async () => {
    const id = await uploaded('real/2569067123_aca715a2ee_o.jpg');
    const config = { ...service.deps.config, JOB_TIMEOUT_MS: 1 };
    expect(await processThumbnail({ ...service.deps, config }, id)).toBe('failed');
    expect(await row(id)).toMatchObject({ status: 'failed', failure_reason: 'processing_timeout: image processing took longer than 3 ms' });
  });

  it('when a visible image without a served derivative is processed again (migration 002), then it gets one and stays visible', async () => {
    const id = await uploaded('real/concert.jpg');
    expect(await processThumbnail(service.deps, id)).toBe('visible');
    await service.deps.pool.query('UPDATE images SET display_key = NULL WHERE id = $1', [id]);
    expect(await processThumbnail(service.deps, id)).toBe('visible');
    expect((await row(id)).display_key).toBe(`display/${id}.jpeg`);
    const events = await service.deps.pool.query('SELECT action FROM moderation_events WHERE image_id = $1', [id]);
    expect(events.rows).toEqual([{ action: 'processed' }]);
  });
});

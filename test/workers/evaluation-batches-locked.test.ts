/**
 * The worker's evaluation batches next to an image whose row another session holds locked (a stuck evaluation, a
 * long moderator transaction): the other images' evaluations are not held up behind it, and their jobs do not fail.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addJob } from '../../src/queues/queues.js';
import { addReports, auditActions, lockWaiters } from '../helpers/records.js';
import { evaluationsSettled, startTestService, waitFor, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeAll(async () => {
  // Lock waits far longer than the test: an evaluation of another image that waits for the lock never ends in time.
  service = await startTestService({ env: { JOB_LOCK_TIMEOUT_MS: '120000', JOB_STATEMENT_TIMEOUT_MS: '120000' } });
});
afterAll(() => service.close());

const waitersOnLocks = () => lockWaiters(service);

describe('evaluation batches and a locked image', () => {
  it('when one image is locked by another session, then the worker still evaluates other images, and no job fails', async () => {
    const locked = await service.uploadDistinct();
    const others = [await service.uploadDistinct(), await service.uploadDistinct(), await service.uploadDistinct()];
    await evaluationsSettled(service);
    for (const id of [locked, ...others]) await addReports(service, id, 3);
    expect(await service.status(locked)).toBe('visible');
    const holder = new pg.Client({ connectionString: service.deps.config.DATABASE_URL });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM images WHERE id = $1 FOR NO KEY UPDATE', [locked]);
      await addJob(service.deps.queues, 'evaluate-image', locked);
      await waitFor(async () => (await waitersOnLocks()) >= 1, 15_000);
      // A second job of the locked image, in the same batch as the others.
      for (const id of [locked, ...others]) await addJob(service.deps.queues, 'evaluate-image', id);
      await waitFor(async () => {
        const statuses = await Promise.all(others.map((id) => service.status(id)));
        return statuses.every((status) => status === 'auto_blocked');
      }, 20_000);
      expect(await service.status(locked)).toBe('visible');
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
    await evaluationsSettled(service);
    expect(await service.status(locked)).toBe('auto_blocked');
    for (const id of [locked, ...others]) expect(await auditActions(service, id)).toEqual(['processed', 'auto_block']);
    expect(await service.deps.queues['evaluate-image'].getFailedCount()).toBe(0);
  });
});

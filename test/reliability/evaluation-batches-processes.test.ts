/**
 * Two worker processes (`node dist/src/main.js --role worker`) batching evaluations of one burst of reports over
 * many images, copies among them: exactly one auto-block per image over the threshold, every stored score equal
 * to a fresh recount, no outbox row left open, no job failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateImage } from '../../src/evaluation/evaluate-image.js';
import { spawnImgmod, type ImgmodProcess } from '../helpers/imgmod-process.js';
import { distinctPicture } from '../helpers/images.js';
import { auditActions, imageRecord } from '../helpers/records.js';
import { evaluationsSettled, startTestService, waitFor, type TestService } from '../helpers/test-service.js';

let service: TestService;
const workers: ImgmodProcess[] = [];
beforeAll(async () => {
  service = await startTestService({ workers: false, env: { RATE_LIMIT_READER: 'none' } });
  const { config } = service.deps;
  const env = {
    DATABASE_URL: config.DATABASE_URL,
    REDIS_URL: config.REDIS_URL,
    QUEUE_PREFIX: config.QUEUE_PREFIX,
    DATA_DIR: config.DATA_DIR,
    JWT_SECRET: config.JWT_SECRET,
    OUTBOX_POLL_MS: '200',
    METRICS_PORT: '0',
  };
  for (let i = 0; i < 2; i++) workers.push(await spawnImgmod('worker', env));
}, 120_000);
afterAll(async () => {
  for (const worker of workers) worker.child.kill('SIGKILL');
  await Promise.all(workers.map((worker) => worker.exited));
  await service.close();
});

describe('evaluation batches in two worker processes', () => {
  it('when a burst of reports over copies of pictures is evaluated by two workers, then each image over the threshold is blocked once and every score is a recount', async () => {
    const images: { id: string; picture: number }[] = [];
    for (let picture = 0; picture < 8; picture++) {
      const bytes = await distinctPicture(9_300 + picture);
      for (let copy = 0; copy < 2; copy++) {
        const response = await service.upload(bytes);
        expect(response.status).toBe(201);
        images.push({ id: ((await response.json()) as { id: string }).id, picture });
      }
    }
    await waitFor(async () => (await Promise.all(images.map(({ id }) => service.status(id)))).every((status) => status === 'visible'));
    await evaluationsSettled(service);
    // Pictures 0–4: two readers on each copy (4 in all: over the threshold of 3); pictures 5–7: one on each (under).
    const sends = images.flatMap(({ id, picture }, i) =>
      Array.from({ length: picture < 5 ? 2 : 1 }, (_, r) => () => service.report(id, `burst-${i}-${r}`)),
    );
    const answers = await Promise.all(sends.map((send) => send()));
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 202));
    await evaluationsSettled(service);

    for (const { id, picture } of images) {
      const actions = (await auditActions(service, id)).filter((action) => action !== 'processed');
      expect(actions, `image of picture ${picture}`).toEqual(picture < 5 ? ['auto_block'] : []);
      const stored = (await imageRecord(service, id)).score;
      expect(stored).toBe((await evaluateImage(service.deps, id)).score);
    }
    expect((await service.deps.pool.query('SELECT 1 FROM outbox WHERE done_at IS NULL')).rowCount).toBe(0);
    expect(await service.deps.queues['evaluate-image'].getFailedCount()).toBe(0);
    expect(workers.every((worker) => worker.alive())).toBe(true);
  }, 120_000);
});

import { UnrecoverableError, Worker } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addJob, addJobs, createQueues, closeQueues, type ImageJob } from '../../src/queues/queues.js';
import { openRedis } from '../../src/deps.js';
import type { Pool } from '../../src/db/pool.js';
import { evaluateImageProcessor } from '../../workers/evaluate-image.processor.js';
import { startOutboxRelay } from '../../workers/outbox-relay.js';
import { startWorkers } from '../../workers/start-workers.js';
import { startTestService, waitFor, type TestService } from '../helpers/test-service.js';
import { outboxOf } from '../helpers/records.js';

let service: TestService;
beforeAll(async () => {
  // No workers at first: the test decides when the relay and workers run.
  service = await startTestService({ workers: false });
});
afterAll(() => service.close());

/** How many of the image's outbox rows the relay has not sent yet. */
async function unsentOutbox(imageId: string): Promise<number> {
  return (await outboxOf(service, imageId)).filter((row) => row.sentAt === null).length;
}

function report(imageId: string, reader: string) {
  return service.request(`/v1/images/${imageId}/reports`, {
    method: 'POST',
    as: reader,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reason: 'hate' }),
  });
}

describe('outbox relay', () => {
  it('when Redis is unreachable, then reports stay pending in PostgreSQL and are evaluated once Redis is back', async () => {
    const upload = await service.upload('real/flowers.jpeg');
    const { id } = (await upload.json()) as { id: string };
    for (const reader of ['a', 'b', 'c']) expect((await report(id, `${reader}-${id}`)).status).toBe(202);
    expect(await unsentOutbox(id)).toBe(4); // 1 process-image + 3 evaluations

    // A relay whose Redis is down: nothing may be marked sent.
    const deadRedis = openRedis('redis://127.0.0.1:1');
    deadRedis.on('error', () => undefined);
    const deadQueues = createQueues(deadRedis, service.deps.config.QUEUE_PREFIX, () => undefined);
    const broken = startOutboxRelay({ ...service.deps, queues: deadQueues }, { addTimeoutMs: 500 });
    await broken.drain();
    await broken.stop();
    expect(await unsentOutbox(id)).toBe(4);
    deadRedis.disconnect();
    await closeQueues(deadQueues).catch(() => undefined);

    // The real relay and workers pick everything up.
    const workers = startWorkers(service.deps);
    try {
      await waitFor(async () => (await service.status(id)) === 'auto_blocked');
      expect(await unsentOutbox(id)).toBe(0);
    } finally {
      await workers.close();
    }
  });

  it('when two relays drain the same rows at once, then each row is sent once', async () => {
    const upload = await service.upload('real/concert.jpg');
    const { id } = (await upload.json()) as { id: string };
    const relays = [startOutboxRelay(service.deps), startOutboxRelay(service.deps)];
    await Promise.all(relays.map((relay) => relay.drain()));
    await Promise.all(relays.map((relay) => relay.stop()));
    expect(await unsentOutbox(id)).toBe(0);
    expect(await service.deps.queues['process-image'].getJob(`process-image-${id}`)).toBeDefined();
  });
});

describe('outbox resends', () => {
  /** Makes every open row of the image due for a resend, as if OUTBOX_RESEND_AFTER_MS had passed. */
  async function resendDue(imageId: string): Promise<void> {
    await service.deps.pool.query(`UPDATE outbox SET sent_at = now() - interval '1 hour' WHERE image_id = $1 AND done_at IS NULL`, [
      imageId,
    ]);
  }
  async function relayOnce(): Promise<void> {
    const relay = startOutboxRelay(service.deps);
    await relay.drain();
    await relay.stop();
  }
  const sends = async (imageId: string) => (await outboxOf(service, imageId)).map((row) => [row.topic, row.sendCount]);

  it('when a resend is due but its job still waits in Redis (a backlog), then it is not sent again; when the job was lost, it is', async () => {
    const upload = await service.upload('real/flowers.jpeg');
    const { id } = (await upload.json()) as { id: string };
    expect((await report(id, `backlog-${id}`)).status).toBe(202);
    await relayOnce();
    expect(await sends(id)).toEqual([
      ['process-image', 1],
      ['evaluate-image', 1],
    ]);
    const evaluations = service.deps.queues['evaluate-image'];
    const waitingBefore = await evaluations.getWaitingCount();

    // No worker runs: both jobs still wait, so the due resends only mark the rows as sent now.
    await resendDue(id);
    await relayOnce();
    expect(await sends(id)).toEqual([
      ['process-image', 1],
      ['evaluate-image', 1],
    ]);
    expect((await outboxOf(service, id)).every((row) => row.sentAt!.getTime() > Date.now() - 60_000)).toBe(true);
    expect(await evaluations.getWaitingCount()).toBe(waitingBefore);

    // Redis lost the evaluation (its job and its deduplication key): the resend sends it again.
    const evaluation = await evaluations.getJob((await evaluations.getDeduplicationJobId(`evaluate-${id}`))!);
    await evaluation!.remove();
    await evaluations.removeDeduplicationKey(`evaluate-${id}`);
    await resendDue(id);
    await relayOnce();
    expect(await sends(id)).toEqual([
      ['process-image', 1],
      ['evaluate-image', 2],
    ]);
    expect(await evaluations.getDeduplicationJobId(`evaluate-${id}`)).not.toBeNull();
  });
});

describe('relay lifecycle', () => {
  it('when relays are started and stopped at once many times, then no LISTEN connection is left behind', async () => {
    for (let i = 0; i < 12; i++) await startOutboxRelay(service.deps).stop();
    const listening = await service.deps.pool.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'`,
    );
    expect(listening.rows[0]).toEqual({ n: 0 });
    const relay = startOutboxRelay(service.deps);
    await relay.drain(); // the pool still has room for real work
    await relay.stop();
  });
});

describe('end-to-end delivery', () => {
  /** Uploads a distinct picture and waits until a worker that only processes images published it. */
  async function visibleImage(): Promise<string> {
    const thumbnails = startWorkers(service.deps, { topics: ['process-image'] });
    try {
      return await service.uploadDistinct();
    } finally {
      await thumbnails.close();
    }
  }

  it('when Redis loses an evaluation job after the relay sent it, then the outbox sends it again and the block lands', async () => {
    const id = await visibleImage();
    const thumbnailsOnly = startWorkers(service.deps, { topics: ['process-image'] });
    for (const reader of ['a', 'b', 'c']) expect((await report(id, `${reader}-${id}`)).status).toBe(202);
    // Every evaluation request is sent: the three reports' and the one the process-image job made once hashed. (Not
    // "three rows sent": the relay may send all four in one batch.)
    const unsent = async () => (await outboxOf(service, id)).filter((row) => row.topic === 'evaluate-image' && row.sentAt === null).length;
    await waitFor(async () => (await unsent()) === 0);
    await thumbnailsOnly.close();
    // Redis restarts without its data: every key of the queue is gone, deduplication keys included.
    const keys = await service.deps.redis.keys(`${service.deps.config.QUEUE_PREFIX}:evaluate-image:*`);
    expect(keys).not.toEqual([]);
    await service.deps.redis.del(...keys);

    const workers = startWorkers({ ...service.deps, config: { ...service.deps.config, OUTBOX_RESEND_AFTER_MS: 200 } });
    try {
      await waitFor(async () => (await service.status(id)) === 'auto_blocked');
      expect((await outboxOf(service, id)).filter((row) => row.doneAt === null)).toEqual([]);
    } finally {
      await workers.close();
    }
  });

  it('when the worker running an evaluation hangs or died, then new reports are evaluated by another worker at once', async () => {
    const id = await visibleImage();
    // A worker running the real processor whose database never answers: to BullMQ it looks like a process
    // killed mid-evaluation until its lock expires (30 s).
    const connection = openRedis(service.deps.config.REDIS_URL, { blocking: true });
    let markTaken: () => void = () => undefined;
    const taken = new Promise<void>((resolve) => (markTaken = resolve));
    const deadDatabase = { connect: () => (markTaken(), new Promise<never>(() => undefined)) } as unknown as Pool;
    const stuck = new Worker<ImageJob>('evaluate-image', evaluateImageProcessor({ ...service.deps, pool: deadDatabase }), {
      connection,
      prefix: service.deps.config.QUEUE_PREFIX,
    });
    const relayOnly = startWorkers(service.deps, { topics: [] });
    try {
      expect((await report(id, `first-${id}`)).status).toBe(202);
      await taken;
      const workers = startWorkers(service.deps, { topics: ['evaluate-image'] });
      try {
        for (const reader of ['second', 'third']) expect((await report(id, `${reader}-${id}`)).status).toBe(202);
        await waitFor(async () => (await service.status(id)) === 'auto_blocked', 5_000);
      } finally {
        await workers.close();
      }
    } finally {
      await relayOnly.close();
      await stuck.close(true);
      await connection.quit();
    }
  });

  it('when a process-image job failed for good (storage down for a while), then a resend retries it instead of doing nothing', async () => {
    const imageId = randomUUID();
    await addJob(service.deps.queues, 'process-image', imageId);
    const connection = openRedis(service.deps.config.REDIS_URL, { blocking: true });
    const failing = new Worker<ImageJob>('process-image', () => Promise.reject(new UnrecoverableError('storage unreachable')), {
      connection,
      prefix: service.deps.config.QUEUE_PREFIX,
    });
    const job = () => service.deps.queues['process-image'].getJob(`process-image-${imageId}`);
    try {
      await waitFor(async () => (await job())?.isFailed());
    } finally {
      await failing.close();
      await connection.quit();
    }
    await addJob(service.deps.queues, 'process-image', imageId);
    expect(await (await job())!.getState()).toBe('waiting');
  });

  it("when a relay batch's evaluations are added together, then each image has one waiting job, as addJob makes one", async () => {
    const queue = service.deps.queues['evaluate-image'];
    const [waiting, first, second] = [randomUUID(), randomUUID(), randomUUID()] as [string, string, string];
    await addJob(service.deps.queues, 'evaluate-image', waiting, 'req-before');
    await addJobs(service.deps.queues, [
      { topic: 'evaluate-image', imageId: waiting, requestId: 'req-1' },
      { topic: 'evaluate-image', imageId: first, requestId: 'req-2' },
      { topic: 'evaluate-image', imageId: second },
      { topic: 'evaluate-image', imageId: first, requestId: 'req-3' },
      { topic: 'process-image', imageId: second },
    ]);
    const jobs = (await queue.getJobs(['waiting'])).filter((job) => [waiting, first, second].includes(job.data.imageId));
    expect(jobs.map((job) => job.data).sort((a, b) => a.imageId.localeCompare(b.imageId))).toEqual(
      [{ imageId: waiting, requestId: 'req-before' }, { imageId: first, requestId: 'req-2' }, { imageId: second }].sort((a, b) =>
        a.imageId.localeCompare(b.imageId),
      ),
    );
    expect(await service.deps.queues['process-image'].getJobState(`process-image-${second}`)).toBe('waiting');
    await Promise.all(jobs.map((job) => job.remove()));
    await service.deps.queues['process-image'].remove(`process-image-${second}`);
  });
});

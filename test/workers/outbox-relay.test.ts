import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueues, closeQueues } from '../../src/queues/queues.js';
import { openRedis } from '../../src/deps.js';
import { startOutboxRelay } from '../../workers/outbox-relay.js';
import { startWorkers } from '../../workers/start-workers.js';
import { startTestService, waitFor, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeAll(async () => {
  // No workers at first: the test decides when the relay and workers run.
  service = await startTestService({ workers: false });
});
afterAll(() => service.close());

async function pendingOutbox(): Promise<number> {
  return (await service.deps.pool.query('SELECT 1 FROM outbox WHERE sent_at IS NULL')).rowCount ?? 0;
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
    for (const reader of ['a', 'b', 'c']) expect((await report(id, reader)).status).toBe(202);
    expect(await pendingOutbox()).toBe(4); // 1 thumbnail + 3 evaluations

    // A relay whose Redis is down: nothing may be marked sent.
    const deadRedis = openRedis('redis://127.0.0.1:1');
    deadRedis.on('error', () => undefined);
    const deadQueues = createQueues(deadRedis, service.deps.config.QUEUE_PREFIX, () => undefined);
    const broken = startOutboxRelay({ ...service.deps, queues: deadQueues }, { addTimeoutMs: 500 });
    await broken.drain();
    await broken.stop();
    expect(await pendingOutbox()).toBe(4);
    deadRedis.disconnect();
    await closeQueues(deadQueues).catch(() => undefined);

    // The real relay and workers pick everything up.
    const workers = startWorkers(service.deps);
    try {
      await waitFor(async () => (await service.status(id)) === 'auto_blocked');
      expect(await pendingOutbox()).toBe(0);
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
    expect(await pendingOutbox()).toBe(0);
    expect(await service.deps.queues.thumbnail.getJob(`thumbnail-${id}`)).toBeDefined();
  });
});

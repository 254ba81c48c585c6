import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedis } from '../../src/deps.js';
import { closeQueues, createQueues } from '../../src/queues/queues.js';
import { startOutboxRelay } from '../../workers/outbox-relay.js';
import { startTestService, waitFor, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ workers: false });
});
afterAll(() => service.close());

describe('outbox relay and Redis', () => {
  it('when Redis accepts the connection but never answers, then the relay waits holding no transaction and no outbox row lock', async () => {
    // A "Redis" that takes connections and says nothing: the relay's publish hangs until its timeout.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const redis = openRedis(`redis://127.0.0.1:${(silent.address() as { port: number }).port}`);
    redis.on('error', () => undefined);
    const queues = createQueues(redis, service.deps.config.QUEUE_PREFIX, () => undefined);

    const upload = await service.upload('real/concert.jpg');
    expect(upload.status).toBe(201);
    const relay = startOutboxRelay({ ...service.deps, queues }, { addTimeoutMs: 4_000 });
    try {
      // The relay has claimed the row and is waiting on Redis.
      await waitFor(async () => (await service.deps.pool.query('SELECT 1 FROM outbox WHERE claimed_at IS NOT NULL')).rowCount === 1);
      const inTransaction = await service.deps.pool.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
      );
      expect(inTransaction.rows[0]).toEqual({ n: 0 });
      // Nobody holds the row: a NOWAIT lock is granted at once.
      const locked = await service.deps.pool.query('SELECT id FROM outbox FOR UPDATE NOWAIT');
      expect(locked.rowCount).toBe(1);
    } finally {
      await relay.stop();
      redis.disconnect();
      await closeQueues(queues).catch(() => undefined);
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
    // The failed publish gave the claim back, so the next relay sends it at once.
    expect((await service.deps.pool.query('SELECT 1 FROM outbox WHERE claimed_at IS NOT NULL')).rowCount).toBe(0);
  });
});

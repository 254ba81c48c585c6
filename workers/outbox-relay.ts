/**
 * The outbox relay: turns pending outbox rows into BullMQ jobs and marks them sent, in one PostgreSQL
 * transaction per batch. A row is only marked sent after Redis accepted its job, so a Redis outage delays
 * jobs but never loses one; jobs are idempotent, so a row sent twice is harmless. Woken by NOTIFY on
 * commit, and by a poll every OUTBOX_POLL_MS as a fallback. Several relays may run: rows are claimed
 * with SKIP LOCKED.
 */
import type pg from 'pg';
import type { Deps } from '../src/deps.js';
import { claimPendingOutbox, markOutboxSent, OUTBOX_CHANNEL, pruneSentOutbox } from '../src/db/outbox.repository.js';
import { withTransaction } from '../src/db/pool.js';
import { addJob } from '../src/queues/queues.js';

const BATCH_SIZE = 200;
/** Sent rows are kept a day for debugging, then deleted. */
const KEEP_SENT_MS = 24 * 3_600_000;

export interface OutboxRelay {
  /** Relays whatever is pending now; resolves when the outbox was empty once. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/** How long the relay waits for Redis to accept a batch's jobs before it rolls back and retries, in ms. */
const DEFAULT_ADD_TIMEOUT_MS = 5_000;

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not accept the jobs within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Relays one batch. @returns how many rows it sent */
async function relayBatch(deps: Pick<Deps, 'pool' | 'queues'>, addTimeoutMs: number): Promise<number> {
  return withTransaction(deps.pool, async (client) => {
    const rows = await claimPendingOutbox(client, BATCH_SIZE);
    const jobs = [...new Map(rows.map((row) => [`${row.topic}/${row.imageId}`, row])).values()];
    await within(Promise.all(jobs.map((row) => addJob(deps.queues, row.topic, row.imageId))), addTimeoutMs);
    if (rows.length > 0) await markOutboxSent(client, rows.map((row) => row.id));
    return rows.length;
  });
}

/**
 * Starts the relay: LISTEN for commits, poll as a fallback, prune old sent rows hourly.
 * @param options.addTimeoutMs how long to wait for Redis per batch (default 5000 ms)
 */
export function startOutboxRelay(
  deps: Pick<Deps, 'pool' | 'queues' | 'config' | 'logger'>,
  options: { addTimeoutMs?: number } = {},
): OutboxRelay {
  const addTimeoutMs = options.addTimeoutMs ?? DEFAULT_ADD_TIMEOUT_MS;
  const logger = deps.logger.child({ component: 'outbox-relay' });
  let stopped = false;
  let current: Promise<void> | null = null;
  let again = false;
  let listener: pg.PoolClient | null = null;

  const loop = async () => {
    do {
      again = false;
      const sent = await relayBatch(deps, addTimeoutMs);
      if (sent > 0) logger.debug({ sent }, 'outbox rows relayed');
      if (sent === BATCH_SIZE) again = true;
    } while (again && !stopped);
  };
  const drain = (): Promise<void> => {
    if (current) {
      again = true;
      return current;
    }
    current = loop()
      .catch((error: unknown) => logger.warn({ err: error }, 'outbox relay failed; will retry at the next poll'))
      .finally(() => {
        current = null;
      });
    return current;
  };

  const listen = async () => {
    try {
      const client = await deps.pool.connect();
      client.on('notification', () => void drain());
      client.on('error', (error) => {
        logger.warn({ err: error }, 'outbox LISTEN connection lost; polling until it is back');
        client.release(error);
        listener = null;
      });
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      listener = client;
    } catch (error) {
      logger.warn({ err: error }, 'cannot LISTEN for outbox rows; polling only');
    }
  };

  void listen().then(drain);
  const poll = setInterval(() => {
    if (!listener && !stopped) void listen();
    void drain();
  }, deps.config.OUTBOX_POLL_MS);
  const prune = setInterval(() => {
    pruneSentOutbox(deps.pool, KEEP_SENT_MS).catch((error: unknown) => logger.warn({ err: error }, 'outbox prune failed'));
  }, 3_600_000);
  poll.unref();
  prune.unref();

  return {
    drain,
    async stop() {
      stopped = true;
      clearInterval(poll);
      clearInterval(prune);
      await current;
      if (listener) {
        await listener.query(`UNLISTEN ${OUTBOX_CHANNEL}`).catch(() => undefined);
        listener.release();
        listener = null;
      }
    },
  };
}

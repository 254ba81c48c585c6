/**
 * The outbox relay: turns outbox rows into BullMQ jobs. Per batch it claims rows (one short statement that
 * commits at once), publishes their jobs to Redis with no transaction open, then marks them sent; it never
 * holds a lock or a transaction while it waits on Redis. A row is only marked sent after Redis accepted its
 * job, so a Redis outage delays jobs but never loses one (a failed publish releases the claim; a relay that
 * dies holding a claim loses it after CLAIM_LEASE_MS). A row sent but not marked done by its job within
 * OUTBOX_RESEND_AFTER_MS (Redis lost its data, say) is sent again, up to MAX_SENDS times, unless its job is found
 * still waiting or running in Redis (a backlog: the row then counts as sent now, without using up a send). Jobs
 * are idempotent, so a row sent twice is harmless. Woken by NOTIFY on commit, and by a poll every OUTBOX_POLL_MS
 * as a fallback. Several relays may run: rows are claimed with SKIP LOCKED.
 */
import pg from 'pg';
import type { Deps } from '../src/deps.js';
import {
  claimOutbox,
  markOutboxSent,
  markOutboxStillQueued,
  OUTBOX_CHANNEL,
  pruneDoneOutbox,
  releaseOutboxClaims,
  type OutboxRow,
} from '../src/db/outbox.repository.js';
import { addJobs, isJobPending } from '../src/queues/queues.js';
import { withTimeout } from '../src/timeout.js';
import { isConnectionError } from '../src/db/pool.js';
import { isRedisConnectionError, outageLog } from '../src/outage-log.js';

const BATCH_SIZE = 200;
/** A row is sent at most this many times; then it is left for an operator (imgmod_outbox_pending shows it). */
const MAX_SENDS = 10;
/** Done rows are kept a day for debugging, then deleted. */
const KEEP_DONE_MS = 24 * 3_600_000;
/**
 * A claim older than this is taken over by any relay: twice the longest a publish may take
 * (DEFAULT_ADD_TIMEOUT_MS), so only a relay that died between claiming and marking (kill -9) leaves rows
 * waiting, and not for long. A row published twice is harmless: jobs are idempotent.
 */
const CLAIM_LEASE_MS = 10_000;

export interface OutboxRelay {
  /** Relays whatever is pending now; resolves when the outbox was empty once. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/** How long the relay waits for Redis to accept a batch's jobs before it rolls back and retries, in ms. */
const DEFAULT_ADD_TIMEOUT_MS = 5_000;

/** Relays one batch: claim (committed), publish, mark sent. @returns how many rows it sent */
async function relayBatch(deps: Pick<Deps, 'pool' | 'queues' | 'config'>, addTimeoutMs: number): Promise<number> {
  const rows = await claimOutbox(deps.pool, {
    limit: BATCH_SIZE,
    resendAfterMs: deps.config.OUTBOX_RESEND_AFTER_MS,
    maxSends: MAX_SENDS,
    leaseMs: CLAIM_LEASE_MS,
  });
  if (rows.length === 0) return 0;
  const ids = rows.map((row) => row.id);
  const keyOf = (row: OutboxRow) => `${row.topic}/${row.imageId}`;
  const jobs = [...new Map(rows.map((row) => [keyOf(row), row])).values()];
  // A job is only resent when every row asking for it was sent before; a new row is always sent.
  const resends = new Set(jobs.map(keyOf));
  for (const row of rows) if (!row.sendCount) resends.delete(keyOf(row));
  let queued: Set<string>;
  try {
    queued = await withTimeout(
      (async () => {
        // A resend whose job is still waiting or running (a backlog, not a loss) is not sent again.
        const pending = await Promise.all(
          jobs.map(async (row) => resends.has(keyOf(row)) && (await isJobPending(deps.queues, row.topic, row.imageId))),
        );
        const stillQueued = new Set(jobs.filter((_, i) => pending[i]).map(keyOf));
        await addJobs(
          deps.queues,
          jobs.filter((row) => !stillQueued.has(keyOf(row))),
        );
        return stillQueued;
      })(),
      addTimeoutMs,
      'Redis',
    );
  } catch (error) {
    // Best effort: if PostgreSQL is gone too, the claim simply expires after CLAIM_LEASE_MS.
    await releaseOutboxClaims(deps.pool, ids).catch(() => undefined);
    throw error;
  }
  const sent: number[] = [];
  const stillQueued: number[] = [];
  for (const row of rows) (queued.has(keyOf(row)) ? stillQueued : sent).push(row.id);
  if (sent.length > 0) await markOutboxSent(deps.pool, sent);
  if (stillQueued.length > 0) await markOutboxStillQueued(deps.pool, stillQueued);
  return rows.length;
}

/**
 * Starts the relay: LISTEN for commits, poll as a fallback, prune old sent rows hourly.
 * @param options.addTimeoutMs how long to wait for Redis per batch (default 5000 ms)
 * @param options.dispatchWebhooks a further step run after each batch (workers/webhook-dispatch.ts), given the
 *   same Redis timeout; it returns how many rows it dispatched, `fullBatch` when there may be more
 */
export function startOutboxRelay(
  deps: Pick<Deps, 'pool' | 'queues' | 'config' | 'logger'>,
  options: { addTimeoutMs?: number; dispatchWebhooks?: (addTimeoutMs: number) => Promise<{ dispatched: number; fullBatch: boolean }> } = {},
): OutboxRelay {
  const addTimeoutMs = options.addTimeoutMs ?? DEFAULT_ADD_TIMEOUT_MS;
  const logger = deps.logger.child({ component: 'outbox-relay' });
  const postgresOutage = outageLog(deps.logger, 'PostgreSQL');
  const redisOutage = outageLog(deps.logger, 'Redis');
  let stopped = false;
  let current: Promise<void> | null = null;
  let again = false;
  let listener: pg.Client | null = null;
  let connecting: Promise<void> | null = null;

  const loop = async () => {
    do {
      again = false;
      const sent = await relayBatch(deps, addTimeoutMs);
      if (sent > 0) logger.debug({ sent }, 'outbox rows relayed');
      if (sent === BATCH_SIZE) again = true;
      const webhooks = await options.dispatchWebhooks?.(addTimeoutMs);
      if (webhooks?.dispatched) logger.debug({ dispatched: webhooks.dispatched }, 'webhook deliveries dispatched');
      if (webhooks?.fullBatch) again = true;
    } while (again && !stopped);
  };
  const drain = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (current) {
      again = true;
      return current;
    }
    current = loop()
      .then(() => {
        postgresOutage.recovered();
        redisOutage.recovered();
      })
      .catch((error: unknown) => {
        // An outage is logged once, then once a minute; any other failure with its stack.
        if (isConnectionError(error)) postgresOutage.failed(error, 'outbox relay');
        else if (isRedisConnectionError(error)) redisOutage.failed(error, 'outbox relay');
        else logger.warn({ err: error }, 'outbox relay failed; will retry at the next poll');
      })
      .finally(() => {
        current = null;
      });
    return current;
  };

  // LISTEN holds its connection for good, so it has its own client rather than one from the pool.
  const listen = (): Promise<void> => {
    connecting ??= (async () => {
      const client = new pg.Client({ connectionString: deps.config.DATABASE_URL });
      client.on('error', (error) => {
        postgresOutage.failed(error, 'outbox LISTEN (polling until it is back)');
        if (listener === client) listener = null;
        client.end().catch(() => undefined);
      });
      client.on('notification', () => void drain());
      try {
        await client.connect();
        await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
        if (stopped) await client.end();
        else listener = client;
      } catch (error) {
        postgresOutage.failed(error, 'outbox LISTEN (polling until it is back)');
        await client.end().catch(() => undefined);
      }
    })().finally(() => {
      connecting = null;
    });
    return connecting;
  };

  void listen().then(drain);
  const poll = setInterval(() => {
    if (!listener) void listen();
    void drain();
  }, deps.config.OUTBOX_POLL_MS);
  const prune = setInterval(() => {
    pruneDoneOutbox(deps.pool, KEEP_DONE_MS).catch((error: unknown) => logger.warn({ err: error }, 'outbox prune failed'));
  }, 3_600_000);
  poll.unref();
  prune.unref();

  return {
    drain,
    async stop() {
      stopped = true;
      clearInterval(poll);
      clearInterval(prune);
      await connecting;
      await current;
      await listener?.end().catch(() => undefined);
      listener = null;
    },
  };
}

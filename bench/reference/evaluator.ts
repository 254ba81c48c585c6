/**
 * The evaluation reference of `npm run bench`: a BullMQ worker that, for each queued image, recounts its
 * reports, blocks it at REF_THRESHOLD (default 3) with an audit row, and closes its outbox rows, all in one
 * statement. Prints `ready` when its worker runs.
 */
import { Worker } from 'bullmq';
import pg from 'pg';
import { REFERENCE_SCHEMA } from './schema.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 8 });
await pool.query(REFERENCE_SCHEMA);
const threshold = Number(process.env.REF_THRESHOLD ?? 3);
const EVALUATE = `WITH blocked AS (
    UPDATE ref_images SET status = 'auto_blocked'
     WHERE id = $1 AND status = 'visible' AND (SELECT count(*) FROM ref_reports WHERE image_id = $1) >= $2
    RETURNING id),
  audit AS (INSERT INTO ref_events (image_id, action) SELECT id, 'auto_block' FROM blocked),
  done AS (UPDATE ref_outbox SET done_at = now() WHERE image_id = $1 AND done_at IS NULL)
  SELECT count(*)::int AS n FROM blocked`;
const worker = new Worker(
  'ref-evaluate',
  async (job) => {
    await pool.query(EVALUATE, [(job.data as { imageId: string }).imageId, threshold]);
  },
  { connection: { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null }, prefix: process.env.QUEUE_PREFIX ?? 'ref', concurrency: 8 },
);
await worker.waitUntilReady();
console.log('ready');
process.on('SIGTERM', () => void worker.close().then(() => pool.end().then(() => process.exit(0))));

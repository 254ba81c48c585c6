/**
 * The report ingestion reference of `npm run bench`: what a straightforward service doing the same durable work
 * looks like. express + jose (the HMAC key imported once) + zod, and per report either one transaction (report
 * INSERT … ON CONFLICT, then an outbox INSERT) or the same in one statement (REF_MODE=statement). With
 * REF_EVALUATE=1 each new report is also queued in BullMQ after commit for bench/reference/evaluator.ts.
 * Prints `listening <port>` when ready. Tables are its own (`ref_*`), in the bench's database.
 */
import { createSecretKey } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import express from 'express';
import { jwtVerify } from 'jose';
import pg from 'pg';
import { z } from 'zod';
import { REFERENCE_SCHEMA } from './schema.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.REF_POOL ?? 10) });
await pool.query(REFERENCE_SCHEMA);
const key = createSecretKey(Buffer.from(process.env.JWT_SECRET ?? ''));
const statement = process.env.REF_MODE === 'statement';
const queue =
  process.env.REF_EVALUATE === '1'
    ? new Queue('ref-evaluate', { connection: { host: '127.0.0.1', port: 6379 }, prefix: process.env.QUEUE_PREFIX ?? 'ref' })
    : null;
const body = z.object({
  reason: z.enum(['spam', 'nudity', 'violence', 'hate', 'harassment', 'copyright', 'illegal', 'other']),
  note: z.string().max(500).optional(),
});
const params = z.object({ id: z.uuid() });

const INSERT_REPORT = `INSERT INTO ref_reports (image_id, reporter_id, reason, note) VALUES ($1, $2, $3, $4)
  ON CONFLICT (image_id, reporter_id) DO NOTHING RETURNING id`;
const ONE_STATEMENT = `WITH report AS (${INSERT_REPORT}),
  job AS (INSERT INTO ref_outbox (image_id, topic) SELECT $1, 'evaluate' FROM report)
  SELECT id FROM report`;

async function store(imageId: string, reader: string, reason: string, note: string | null): Promise<boolean> {
  const values = [imageId, reader, reason, note];
  if (statement) return (await pool.query(ONE_STATEMENT, values)).rowCount === 1;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const created = (await client.query(INSERT_REPORT, values)).rowCount === 1;
    if (created) await client.query(`INSERT INTO ref_outbox (image_id, topic) VALUES ($1, 'evaluate')`, [imageId]);
    await client.query('COMMIT');
    return created;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const app = express();
app.use(express.json({ limit: '4kb' }));
app.post('/v1/images/:id/reports', async (req, res) => {
  const token = req.get('authorization')?.replace(/^Bearer /, '') ?? '';
  let reader: string;
  try {
    reader = (await jwtVerify(token, key, { algorithms: ['HS256'] })).payload.sub ?? '';
  } catch {
    res.status(401).json({ code: 'unauthorized' });
    return;
  }
  const id = params.safeParse(req.params);
  const input = body.safeParse(req.body);
  if (!id.success || !input.success) {
    res.status(400).json({ code: 'invalid_request' });
    return;
  }
  try {
    const created = await store(id.data.id, reader, input.data.reason, input.data.note ?? null);
    if (created) await queue?.add('evaluate', { imageId: id.data.id }, { removeOnComplete: true });
    res.status(created ? 202 : 200).json({ duplicate: !created });
  } catch (error) {
    const missing = (error as { code?: string }).code === '23503';
    res.status(missing ? 404 : 503).json({ code: missing ? 'not_found' : 'database_unavailable' });
  }
});

const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
console.log(`listening ${(server.address() as AddressInfo).port}`);
process.on('SIGTERM', () => {
  server.close();
  void Promise.all([pool.end(), queue?.close()]).then(() => process.exit(0));
});

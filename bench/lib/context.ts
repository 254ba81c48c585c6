/**
 * What every scenario of `npm run bench` shares: the settings of this run, the throw-away database, imgmod's
 * processes, the results so far, and helpers to mint readers' tokens and to seed images.
 */
import type pg from 'pg';
import { signToken } from '../../src/auth/tokens.js';
import type { BenchProcess } from './processes.js';

/** One line of the results table: a measure, imgmod's figure, the reference's, their ratio and the target. */
export interface ResultRow {
  measure: string;
  imgmod: string;
  reference: string;
  /** imgmod / reference where higher is better (throughput), reference / imgmod for latencies; null when none. */
  ratio: number | null;
  target: string;
  /** Whether the target is met; null when the row has no target. */
  met: boolean | null;
  /** Raw numbers for the JSON results. */
  data: Record<string, unknown>;
}

export interface BenchContext {
  quick: boolean;
  /** Interleaved pairs per comparison. */
  rounds: number;
  /** Length of one measured run, ms. */
  runMs: number;
  databaseUrl: string;
  /** Environment every imgmod process gets (database, Redis prefix, storage, secret). */
  imgmodEnv: Record<string, string>;
  logFile: string;
  tmpDir: string;
  api: BenchProcess;
  worker: BenchProcess;
  /** The worker's own GET /metrics (METRICS_PORT on loopback, no token). */
  workerMetricsUrl: string;
  pool: pg.Pool;
  jwtSecret: string;
  rows: ResultRow[];
  /** Every (image, reader) pair imgmod answered 202 for, for the exactly-once check. */
  acknowledged: Set<string>;
  log(message: string): void;
}

let readerSerial = 0;

/** `count` first-party reader tokens for new reader ids (never used before in this run). */
export async function mintReaders(secret: string, count: number): Promise<Array<{ reader: string; token: string }>> {
  const out: Array<{ reader: string; token: string }> = [];
  for (let i = 0; i < count; i++) {
    const reader = `bench-reader-${readerSerial++}`;
    out.push({ reader, token: await signToken(secret, { sub: reader, role: 'reader' }) });
  }
  return out;
}

/**
 * `count` new visible images in imgmod's database, copies of the row of `sourceId` (so they serve the same
 * derivatives) without its perceptual hashes (so none is a near-duplicate of another).
 */
export async function seedImages(pool: pg.Pool, sourceId: string, count: number, status = 'visible'): Promise<string[]> {
  const result = await pool.query<{ id: string }>(
    `INSERT INTO images
     SELECT (jsonb_populate_record(NULL::images, to_jsonb(source) || jsonb_build_object(
               'id', gen_random_uuid(), 'status', $3::text, 'pdq', NULL, 'pdq_quality', NULL, 'pdq_oriented', NULL, 'pdq_crops', NULL))).*
       FROM images source, generate_series(1, $2) WHERE source.id = $1
     RETURNING id`,
    [sourceId, count, status],
  );
  return result.rows.map((row) => row.id);
}

/** `count` new images in the reference's own table. */
export async function seedReferenceImages(pool: pg.Pool, count: number): Promise<string[]> {
  const result = await pool.query<{ id: string }>(
    `INSERT INTO ref_images (id) SELECT gen_random_uuid() FROM generate_series(1, $1) RETURNING id`,
    [count],
  );
  return result.rows.map((row) => row.id);
}

/** The ratio a over b rounded to two places, or null when b is zero or not a number. */
export function ratio(a: number, b: number): number | null {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? Math.round((a / b) * 100) / 100 : null;
}

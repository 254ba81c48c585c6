/**
 * `npm run bench:hash`: the hash-bank lookup at 1 million stored PDQ hashes, three ways in one run:
 *  - multi-index: findBankMatches (src/db/hash-banks.repository.ts), what an upload runs;
 *  - linear scan in PostgreSQL: the same query measured against every stored hash, the way the 64-bit pHash
 *    lookup worked before (bit_count over the whole block list);
 *  - brute force in memory: every stored hash in a typed array in this process, compared in a loop.
 * Each lookup is one upload's query: its hash in 8 orientations and 8 top and bottom cuts (16 hashes); one is a
 * stored hash with 0–15 of its bits flipped, which every method must find.
 * Goals (issue 12): multi-index p99 < 20 ms, and ≥ 100× the linear scan's lookups per second.
 *
 * The stored hashes are uniformly random (PDQ hashes have 128 of 256 bits set, which random hashes have on
 * average; their 16-bit chunks are close to uniform). They are loaded once into the database
 * `imgmod_bench_pdq` on TEST_DATABASE_SERVER (about a minute) and kept for the next run; `--fresh` rebuilds it.
 * Options: `--size N` (default 1000000), `--lookups N` (default 300).
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import pg from 'pg';
import { findBankMatches } from '../src/db/hash-banks.repository.js';
import { migrate } from '../src/db/migrate.js';
import { createPool, ensureDatabase } from '../src/db/pool.js';
import { ORIENTATIONS, pdqToHex } from '../src/domain/pdq.js';
import { QUERY_CROP_NAMES, type HashKind, type QueryHash } from '../src/domain/pdq-matching.js';

const QUERY_KINDS: HashKind[] = [...ORIENTATIONS, ...QUERY_CROP_NAMES];

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const SIZE = option('size', 1_000_000);
const LOOKUPS = option('lookups', 300);
const SLOW_LOOKUPS = 3;
const server = process.env.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
const url = `${server}/imgmod_bench_pdq`;

if (args.includes('--fresh')) {
  const admin = new pg.Client({ connectionString: `${server}/postgres` });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS imgmod_bench_pdq WITH (FORCE)');
  await admin.end();
}
await ensureDatabase(url);
// Loading a million hashes runs statements of minutes: no statement or lock timeout here.
const pool = createPool(url, {
  limits: { max: 4, acquireTimeoutMs: 60_000, statementTimeoutMs: 0, lockTimeoutMs: 0, idleInTransactionTimeoutMs: 0 },
  name: 'imgmod-bench-pdq',
  onError: (error) => console.error(error),
});
await migrate(pool);

/** Loads SIZE random hashes into the bank `bench` with their chunks, unless they are there already. */
async function load(): Promise<void> {
  await pool.query(`INSERT INTO hash_banks (name, action, max_distance) VALUES ('bench', 'auto_block', 15) ON CONFLICT DO NOTHING`);
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM hash_bank_entries e JOIN hash_banks b ON b.id = e.bank_id WHERE b.name = 'bench'`,
  );
  if (rows[0]!.n === SIZE) return;
  console.log(`loading ${SIZE.toLocaleString('en')} random hashes and their ${(16 * SIZE).toLocaleString('en')} chunks (once)…`);
  const started = performance.now();
  const client = await pool.connect();
  try {
    await client.query(`DELETE FROM hash_bank_entries WHERE bank_id = (SELECT id FROM hash_banks WHERE name = 'bench')`);
    // Bulk load without per-row foreign-key triggers or index upkeep, then index once (the same definitions).
    await client.query('SET session_replication_role = replica');
    await client.query('ALTER TABLE hash_bank_chunks DROP CONSTRAINT hash_bank_chunks_pkey');
    await client.query('DROP INDEX hash_bank_chunks_entry_idx');
    await client.query(
      `INSERT INTO hash_bank_entries (bank_id, pdq, quality, source, note)
       SELECT b.id, ('x' || md5(i::text || 'a') || md5(i::text || 'b'))::bit(256), 100, 'import', 'bench'
       FROM hash_banks b CROSS JOIN generate_series(1, $1::int) AS i WHERE b.name = 'bench'`,
      [SIZE],
    );
    await client.query(
      `INSERT INTO hash_bank_chunks (key, entry_id, pdq)
       SELECT n * 65536 + substring(e.pdq FROM n * 16 + 1 FOR 16)::int, e.id, e.pdq
       FROM hash_bank_entries e CROSS JOIN generate_series(0, 15) AS n WHERE e.note = 'bench'`,
    );
    await client.query('ALTER TABLE hash_bank_chunks ADD PRIMARY KEY (key, entry_id) INCLUDE (pdq)');
    await client.query('CREATE INDEX hash_bank_chunks_entry_idx ON hash_bank_chunks (entry_id)');
    await client.query('SET session_replication_role = origin');
    await client.query('VACUUM ANALYZE hash_bank_entries');
    await client.query('VACUUM ANALYZE hash_bank_chunks');
  } finally {
    client.release();
  }
  console.log(`loaded in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
await load();

console.log('reading the stored hashes into memory for the brute-force scan…');
const stored = new Uint32Array(SIZE * 8);
const ids: string[] = [];
{
  const { rows } = await pool.query<{ id: string; bits: string }>(
    `SELECT id::text AS id, pdq::text AS bits FROM hash_bank_entries WHERE note = 'bench' ORDER BY id`,
  );
  rows.forEach((row, i) => {
    ids.push(row.id);
    const bytes = Buffer.from(bitsToHexFast(row.bits), 'hex');
    for (let w = 0; w < 8; w++) stored[i * 8 + w] = bytes.readUInt32BE(4 * w);
  });
}

function bitsToHexFast(bits: string): string {
  let hex = '';
  for (let i = 0; i < 256; i += 4)
    hex += (
      (bits.charCodeAt(i) - 48) * 8 +
      (bits.charCodeAt(i + 1) - 48) * 4 +
      (bits.charCodeAt(i + 2) - 48) * 2 +
      (bits.charCodeAt(i + 3) - 48)
    ).toString(16);
  return hex;
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** One upload's query: a stored hash with `flips` bits flipped (as its `original`), and 15 unrelated hashes. */
function makeQuery(seed: number): { queries: QueryHash[]; targetId: string; flips: number } {
  const index = (seed * 7919) % SIZE;
  const hash = new Uint8Array(32);
  for (let w = 0; w < 8; w++) new DataView(hash.buffer).setUint32(4 * w, stored[index * 8 + w]!);
  const flips = seed % 16;
  const positions = new Set<number>();
  while (positions.size < flips) positions.add(randomBytes(1)[0]!);
  for (const bit of positions) hash[bit >> 3]! ^= 1 << (bit & 7);
  const queries = QUERY_KINDS.map((kind, i) => ({ kind, hash: i === 0 ? hash : new Uint8Array(randomBytes(32)) }));
  return { queries, targetId: ids[index]!, flips };
}

function bruteForce(queries: readonly QueryHash[]): { id: string; distance: number } | null {
  const words = queries.map((q) => Array.from({ length: 8 }, (_, w) => new DataView(q.hash.buffer, q.hash.byteOffset).getUint32(4 * w)));
  let best: { id: string; distance: number } | null = null;
  for (let i = 0; i < SIZE; i++) {
    const base = i * 8;
    for (const word of words) {
      let distance = 0;
      for (let w = 0; w < 8 && distance <= 15; w++) distance += popcount32((stored[base + w]! ^ word[w]!) >>> 0);
      if (distance <= 15 && (best === null || distance < best.distance)) best = { id: ids[i]!, distance };
    }
  }
  return best;
}

async function linearScan(queries: readonly QueryHash[]): Promise<{ id: string; distance: number } | null> {
  const result = await pool.query<{ id: string; distance: number }>(
    `WITH query AS (SELECT ('x' || h)::bit(256) AS hash FROM unnest($1::text[]) AS h)
     SELECT e.id::text AS id, min(bit_count(q.hash # e.pdq))::int AS distance
     FROM hash_bank_entries e CROSS JOIN query q
     WHERE bit_count(q.hash # e.pdq) <= 15 GROUP BY e.id ORDER BY 2 LIMIT 1`,
    [queries.map((q) => pdqToHex(q.hash))],
  );
  return result.rows[0] ?? null;
}

async function measure(
  name: string,
  count: number,
  lookup: (queries: readonly QueryHash[]) => Promise<{ id: string } | null> | { id: string } | null,
) {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const { queries, targetId, flips } = makeQuery(i + 1);
    const started = performance.now();
    const found = await lookup(queries);
    times.push(performance.now() - started);
    if (found?.id !== targetId) throw new Error(`${name} missed a hash ${flips} bits away`);
  }
  times.sort((a, b) => a - b);
  const total = times.reduce((sum, t) => sum + t, 0);
  const row = {
    name,
    lookups: count,
    perSecond: (1000 * count) / total,
    p50: times[Math.floor(count / 2)]!,
    p99: times[Math.min(count - 1, Math.ceil(0.99 * count) - 1)]!,
  };
  console.log(
    `${name.padEnd(30)} ${String(count).padStart(7)} ${row.perSecond.toFixed(1).padStart(12)} ${row.p50.toFixed(1).padStart(9)} ${row.p99.toFixed(1).padStart(9)}`,
  );
  return row;
}

// Warm the multi-index's pages once, as a running service would have them.
for (let i = 0; i < 20; i++) await findBankMatches(pool, makeQuery(10_000 + i).queries);
console.log(
  `\nload average before: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} (on ${cpus().length} cores)`,
);
console.log(
  `${SIZE.toLocaleString('en')} stored hashes; each lookup = 16 query hashes (8 orientations + 8 top/bottom cuts), match ≤ 15 bits`,
);
console.log(`${'method'.padEnd(30)} ${'lookups'.padStart(7)} ${'lookups/s'.padStart(12)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)}`);
const mih = await measure('multi-index (PostgreSQL)', LOOKUPS, async (queries) => {
  const [match] = await findBankMatches(pool, queries);
  return match ? { id: match.entryId } : null;
});
const linear = await measure('linear scan (PostgreSQL)', SLOW_LOOKUPS, linearScan);
const brute = await measure('brute force (in memory)', SLOW_LOOKUPS, bruteForce);
console.log(`\nmulti-index vs linear scan: ${(mih.perSecond / linear.perSecond).toFixed(0)}× the lookups per second (goal ≥ 100×)`);
console.log(`multi-index vs brute force in memory: ${(mih.perSecond / brute.perSecond).toFixed(0)}×`);
console.log(
  `multi-index p99: ${mih.p99.toFixed(1)} ms (goal < 20 ms); ${SLOW_LOOKUPS} lookups each for the slow methods, so their p99 is their slowest`,
);
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}: timings stretch with other work on the machine`,
);
await pool.end();

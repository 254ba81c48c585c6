/**
 * SQL for hash banks: named sets of PDQ hashes with a match distance and an action, their entries, and the
 * multi-index lookup that finds a picture's matches without reading every entry.
 *
 * Hashes are bit(256) in PostgreSQL (so `bit_count(a # b)` is the Hamming distance) and 64 hex digits in
 * and out (`('x' || hex)::bit(256)`). The multi-index (hash_bank_chunks) holds each entry's 16 chunks of 16
 * bits (src/domain/pdq-matching.ts), keyed as chunk number × 65536 + chunk value, with the entry's hash beside
 * each key: a lookup reads only the index rows sharing a chunk with one of the query's hashes, measures them
 * there, and reads the bank entries of the matches alone.
 */
import type { BankAction } from '../domain/hash-banks.js';
import type { QueryHash } from '../domain/pdq-matching.js';
import { pdqToHex } from '../domain/pdq.js';
import type { Queryable } from './pool.js';

export interface HashBank {
  id: number;
  name: string;
  action: BankAction;
  /** Largest Hamming distance (bits of 256) that matches, 0–15. */
  maxDistance: number;
  description: string;
  entries: number;
}

const BANK_COLUMNS = `b.id, b.name, b.action, b.max_distance AS "maxDistance", b.description,
  (SELECT count(*) FROM hash_bank_entries e WHERE e.bank_id = b.id)::int AS entries`;

/** The bank of moderators' decisions (created by the migration). */
export const MODERATORS_BANK = 'moderators';

/** Every bank, by name. */
export async function listBanks(db: Queryable): Promise<HashBank[]> {
  return (await db.query<HashBank>(`SELECT ${BANK_COLUMNS} FROM hash_banks b ORDER BY b.name`)).rows;
}

/** One bank by name, or null. */
export async function findBank(db: Queryable, name: string): Promise<HashBank | null> {
  return (await db.query<HashBank>(`SELECT ${BANK_COLUMNS} FROM hash_banks b WHERE b.name = $1`, [name])).rows[0] ?? null;
}

/**
 * Creates a bank, or changes the action, distance and description of the bank with that name.
 * @returns the bank as stored
 */
export async function upsertBank(
  db: Queryable,
  bank: { name: string; action: BankAction; maxDistance: number; description?: string | undefined },
): Promise<HashBank> {
  await db.query(
    `INSERT INTO hash_banks (name, action, max_distance, description) VALUES ($1, $2, $3, $4)
     ON CONFLICT (name) DO UPDATE SET action = EXCLUDED.action, max_distance = EXCLUDED.max_distance,
       description = EXCLUDED.description`,
    [bank.name, bank.action, bank.maxDistance, bank.description ?? ''],
  );
  return (await findBank(db, bank.name))!;
}

/** Fills hash_bank_chunks for the given entries (16 rows each). */
async function indexEntries(db: Queryable, entryIds: readonly string[]): Promise<void> {
  if (entryIds.length === 0) return;
  await db.query(
    `INSERT INTO hash_bank_chunks (key, entry_id, pdq)
     SELECT n * 65536 + substring(e.pdq FROM n * 16 + 1 FOR 16)::int, e.id, e.pdq
     FROM hash_bank_entries e CROSS JOIN generate_series(0, 15) AS n WHERE e.id = ANY($1::bigint[])
     ON CONFLICT DO NOTHING`,
    [entryIds],
  );
}

/**
 * Imports hashes into a bank; a hash already in it is skipped.
 * @param entries PDQ hashes as 64 hex digits, with their quality when known
 * @returns how many were new
 */
export async function importEntries(
  db: Queryable,
  input: { bankId: number; entries: readonly { hex: string; quality: number | null }[]; addedBy: string; note: string | null },
): Promise<number> {
  if (input.entries.length === 0) return 0;
  const result = await db.query<{ id: string }>(
    `INSERT INTO hash_bank_entries (bank_id, pdq, quality, source, added_by, note)
     SELECT $1, ('x' || h)::bit(256), q, 'import', $4, $5 FROM unnest($2::text[], $3::int[]) AS u(h, q)
     ON CONFLICT (bank_id, pdq) WHERE source = 'import' DO NOTHING RETURNING id`,
    [input.bankId, input.entries.map((e) => e.hex), input.entries.map((e) => e.quality), input.addedBy, input.note],
  );
  await indexEntries(
    db,
    result.rows.map((row) => row.id),
  );
  return result.rowCount ?? 0;
}

/** A bank's whole-picture hashes (crops left out), oldest first, as 64 hex digits with their quality. */
export async function exportEntries(db: Queryable, bankId: number): Promise<{ hex: string; quality: number | null }[]> {
  const result = await db.query<{ bits: string; quality: number | null }>(
    `SELECT DISTINCT ON (pdq) pdq::text AS bits, quality FROM hash_bank_entries
     WHERE bank_id = $1 AND kind = 'original' ORDER BY pdq, id`,
    [bankId],
  );
  return result.rows.map((row) => ({ hex: bitsToHex(row.bits), quality: row.quality }));
}

/**
 * Puts an image's hashes in a bank, replacing any it had there: `original` (as the reference implementation
 * hashes it: what an export lists), `enlarged` (at 512 px, for a picture under 512 px) and its crop ladder. An image
 * without a usable hash (unprocessed, or quality below `minQuality`) gets none.
 * @returns how many entries it now has in the bank
 */
export async function addImageToBank(
  db: Queryable,
  input: { bankName: string; imageId: string; addedBy: string | null; minQuality: number },
): Promise<number> {
  await removeImageFromBank(db, { bankName: input.bankName, imageId: input.imageId });
  const result = await db.query<{ id: string }>(
    `INSERT INTO hash_bank_entries (bank_id, pdq, quality, kind, source, image_id, added_by)
     SELECT b.id, h.pdq, i.pdq_quality, h.kind, 'image', i.id, $3
     FROM hash_banks b, images i
     CROSS JOIN LATERAL (
       SELECT coalesce(i.pdq_reference, i.pdq) AS pdq, 'original' AS kind
       UNION ALL SELECT i.pdq, 'enlarged' WHERE i.pdq_reference IS DISTINCT FROM i.pdq
       UNION ALL SELECT ('x' || c.value)::bit(256), c.key FROM jsonb_each_text(coalesce(i.pdq_crops, '{}')) AS c
     ) AS h
     WHERE b.name = $1 AND i.id = $2 AND i.pdq IS NOT NULL AND i.pdq_quality >= $4
     RETURNING id`,
    [input.bankName, input.imageId, input.addedBy, input.minQuality],
  );
  await indexEntries(
    db,
    result.rows.map((row) => row.id),
  );
  return result.rowCount ?? 0;
}

/** Takes an image's hashes out of a bank (their chunks go with them). */
export async function removeImageFromBank(db: Queryable, input: { bankName: string; imageId: string }): Promise<number> {
  const result = await db.query(
    `DELETE FROM hash_bank_entries e USING hash_banks b WHERE e.bank_id = b.id AND b.name = $1 AND e.image_id = $2`,
    [input.bankName, input.imageId],
  );
  return result.rowCount ?? 0;
}

/** A bank entry a query matched: the closest entry of one bank within that bank's distance. */
export interface BankMatch {
  bankId: number;
  bank: string;
  action: BankAction;
  maxDistance: number;
  entryId: string;
  /** The image the entry was taken from (moderators' bank), or null for an imported hash. */
  imageId: string | null;
  /** What the entry is of ('original' or a crop) and which of the query's hashes met it. */
  entryKind: string;
  queryKind: string;
  distance: number;
}

/**
 * For each bank, its entry closest to any of the query hashes, when within the bank's max_distance.
 * Uses the multi-index: reads only entries sharing a 16-bit chunk with a query hash, which finds every entry
 * within 15 bits (the most a bank allows).
 * @returns at most one match per bank, closest first
 */
export async function findBankMatches(db: Queryable, queries: readonly QueryHash[]): Promise<BankMatch[]> {
  if (queries.length === 0) return [];
  // Named, so each connection plans it once (planning is a third of a lookup's time otherwise).
  const result = await db.query<BankMatch>({
    name: 'find-bank-matches',
    text:
      // A stored hash within 15 bits of a query hash shares an exact chunk with that very query hash, so each
      // (query hash, entry) pair the chunk join yields is measured, from the index alone, and no other pair.
      `WITH probe AS MATERIALIZED (
       SELECT q.hash, q.kind, n * 65536 + substring(q.hash FROM n * 16 + 1 FOR 16)::int AS key
       FROM (SELECT ('x' || h)::bit(256) AS hash, k AS kind FROM unnest($1::text[], $2::text[]) AS u(h, k)) AS q
       CROSS JOIN generate_series(0, 15) AS n
     ), near AS (
       SELECT DISTINCT ON (c.entry_id) c.entry_id, bit_count(p.hash # c.pdq)::int AS distance, p.kind AS query_kind
       FROM probe p JOIN hash_bank_chunks c ON c.key = p.key
       WHERE bit_count(p.hash # c.pdq) <= 15
       ORDER BY c.entry_id, 2
     ), scored AS (
       SELECT e.id, e.bank_id, e.image_id, e.kind, near.distance, near.query_kind
       FROM near JOIN hash_bank_entries e ON e.id = near.entry_id
     )
     SELECT * FROM (
       SELECT DISTINCT ON (b.id) b.id AS "bankId", b.name AS bank, b.action, b.max_distance AS "maxDistance",
              s.id::text AS "entryId", s.image_id AS "imageId", s.kind AS "entryKind", s.query_kind AS "queryKind", s.distance
       FROM scored s JOIN hash_banks b ON b.id = s.bank_id
       WHERE s.distance <= b.max_distance
       ORDER BY b.id, s.distance, s.id
     ) AS per_bank ORDER BY distance, bank`,
    values: [queries.map((q) => pdqToHex(q.hash)), queries.map((q) => q.kind)],
  });
  return result.rows;
}

/** PostgreSQL's text form of a bit string ('0101…', 256 digits) as 64 hex digits. */
export function bitsToHex(bits: string): string {
  let hex = '';
  for (let i = 0; i < bits.length; i += 4) hex += parseInt(bits.slice(i, i + 4), 2).toString(16);
  return hex;
}

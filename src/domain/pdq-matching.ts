/**
 * Matching PDQ hashes: which crops a picture is hashed in, the multi-index chunks the lookup uses, and the
 * match decision. Pure functions, no I/O.
 *
 * - Orientation: a query is hashed in its eight orientations (src/media/pdq.ts), so a mirrored or rotated copy
 *   of a stored picture is found by one of them.
 * - Crops: PDQ sees the whole frame, and cutting 10 % off one edge moves a hash 70–128 bits of 256 (measured,
 *   test/moderation/pdq-evasions.test.ts). So every picture is also hashed in a ladder of crops: 5, 10, 15 and
 *   20 % cut off each edge, and its centre with 5 and 10 % cut off every edge. A copy cut by one of those
 *   amounts matches the stored crop; a copy with a caption band over its top or bottom matches once the same
 *   band height is cut from both (a band up to 20 % of the height): uploads are looked up by their own top and
 *   bottom cuts too (QUERY_CROP_NAMES). Crops whose own quality is below
 *   PDQ_MIN_QUALITY (a strip of sky) are left out: plain crops of unrelated pictures look alike.
 * - Multi-index hashing (Norouzi, Punjani and Fleet, "Fast Search in Hamming Space with Multi-Index Hashing",
 *   CVPR 2012; the structure PDQ's reference ships as MIH): the 256 bits are 16 chunks of 16 bits. Two hashes
 *   at most 15 bits apart agree exactly on at least one chunk (16 chunks cannot each hold one of 15 differing
 *   bits), so looking up the 16 chunks of a query finds every hash within 15 bits, and only those few rows
 *   are compared. That is why a match distance is at most MAX_INDEXED_DISTANCE.
 */
import { ORIENTATIONS, pdqDistance, type LumaView, type Orientation, type PdqHash } from './pdq.js';

/** Bits per chunk and number of chunks of the multi-index. */
export const CHUNK_BITS = 16;
export const CHUNKS = 256 / CHUNK_BITS;
/** Largest distance the multi-index finds every match at: one less than the number of chunks. */
export const MAX_INDEXED_DISTANCE = CHUNKS - 1;

/** A crop as fractions of the width and height (0 = left or top edge, 1 = right or bottom). */
export interface Crop {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

const cuts = [5, 10, 15, 20] as const;
type Cut = (typeof cuts)[number];
export type CropName = `cut-${'top' | 'bottom' | 'left' | 'right'}-${Cut}` | `centre-${5 | 10}`;

/** The crop ladder (see the module comment). */
export const CROPS: Record<CropName, Crop> = Object.fromEntries([
  ...cuts.flatMap((cut) => {
    const f = cut / 100;
    return [
      [`cut-top-${cut}`, { left: 0, top: f, right: 1, bottom: 1 }],
      [`cut-bottom-${cut}`, { left: 0, top: 0, right: 1, bottom: 1 - f }],
      [`cut-left-${cut}`, { left: f, top: 0, right: 1, bottom: 1 }],
      [`cut-right-${cut}`, { left: 0, top: 0, right: 1 - f, bottom: 1 }],
    ];
  }),
  ['centre-5', { left: 0.05, top: 0.05, right: 0.95, bottom: 0.95 }],
  ['centre-10', { left: 0.1, top: 0.1, right: 0.9, bottom: 0.9 }],
]) as Record<CropName, Crop>;
export const CROP_NAMES = Object.keys(CROPS) as CropName[];
/**
 * The crops a new upload is also looked up by: those that cut a caption band off its top or bottom. Stored
 * pictures keep the whole ladder (a copy cut on any side matches one of them); a query needs only these.
 */
export const QUERY_CROP_NAMES = CROP_NAMES.filter((name) => name.startsWith('cut-top-') || name.startsWith('cut-bottom-'));

/**
 * What a stored or query hash is of: the whole picture in one orientation at 512 px, one crop, the picture as
 * the reference implementation hashes it (`reference`; stored in banks as `original`), or, for a picture under
 * 512 px, the picture enlarged to 512 px (stored in banks as `enlarged`).
 */
export type HashKind = Orientation | CropName | 'reference' | 'enlarged';
export const HASH_KINDS: readonly HashKind[] = [...ORIENTATIONS, ...CROP_NAMES, 'reference', 'enlarged'];

/**
 * What a new upload is looked up by: its hash in each orientation and its top and bottom cuts (16 hashes), and
 * for a picture under 512 px its reference hash too (for imported hashes made by other implementations).
 * @param pdq the upload's hashes (src/media/pdq.ts computePdqHashes)
 */
export function queryHashesOf(pdq: {
  reference: PdqHash;
  oriented: Record<Orientation, PdqHash>;
  crops: Partial<Record<CropName, PdqHash>>;
}): QueryHash[] {
  const differs = pdq.reference.some((byte, i) => byte !== pdq.oriented.original[i]);
  return [
    ...ORIENTATIONS.map((kind) => ({ kind, hash: pdq.oriented[kind] })),
    ...(differs ? [{ kind: 'reference' as const, hash: pdq.reference }] : []),
    ...QUERY_CROP_NAMES.flatMap((kind) => (pdq.crops[kind] ? [{ kind, hash: pdq.crops[kind] }] : [])),
  ];
}

/** The 16 chunks of a hash: chunk n is bytes 2n and 2n+1, big-endian (the hex digits 4n to 4n+3), 0–65535. */
export function pdqChunks(hash: PdqHash): number[] {
  return Array.from({ length: CHUNKS }, (_, n) => (hash[2 * n]! << 8) | hash[2 * n + 1]!);
}

/**
 * The crop of a luminance image (row-major, width × height), rounded to whole pixels, at least 1×1, as a
 * view of the same pixels (hash it with pdqHashOfView).
 */
export function cropView(luma: Float32Array, size: { width: number; height: number }, crop: Crop): LumaView {
  const left = Math.round(crop.left * size.width);
  const top = Math.round(crop.top * size.height);
  const width = Math.max(1, Math.round(crop.right * size.width) - left);
  const height = Math.max(1, Math.round(crop.bottom * size.height) - top);
  return { luma, width, height, start: top * size.width + left, stepX: 1, stepY: size.width };
}

/** A hash to look for, and what it is of. */
export interface QueryHash {
  kind: HashKind;
  hash: PdqHash;
}

/** A stored hash a lookup can find. */
export interface StoredHash<T> {
  kind: HashKind;
  hash: PdqHash;
  /** What the caller needs back: an image id, a bank entry. */
  ref: T;
}

/** The closest pair of a query hash and a stored hash. */
export interface HashMatch<T> {
  ref: T;
  distance: number;
  queryKind: HashKind;
  storedKind: HashKind;
}

/**
 * The closest (query, stored) pair within `maxDistance` bits, ties broken by query then stored order; the
 * brute-force reference for the database's multi-index lookup (and what bench/pdq-index.ts measures).
 * @returns null when no pair is within maxDistance
 */
export function closestMatch<T>(queries: readonly QueryHash[], stored: readonly StoredHash<T>[], maxDistance: number): HashMatch<T> | null {
  let best: HashMatch<T> | null = null;
  for (const query of queries) {
    for (const candidate of stored) {
      const distance = pdqDistance(query.hash, candidate.hash);
      if (distance <= maxDistance && (best === null || distance < best.distance)) {
        best = { ref: candidate.ref, distance, queryKind: query.kind, storedKind: candidate.kind };
      }
    }
  }
  return best;
}

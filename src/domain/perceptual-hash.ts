/**
 * The 64-bit DCT perceptual hash (pHash) and the near-duplicate decision. Pure functions with no I/O;
 * src/media/perceptual-hash.ts produces the 32×32 grey pixels with sharp. Retired from matching in favour of
 * PDQ (src/domain/pdq.ts; README "Near-duplicate matching" has the measurement); kept for bench/phash.ts.
 *
 * The hash is the DCT pHash of Zauner, "Implementation and Benchmarking of Perceptual Image Hash Functions"
 * (2010), in the variant of the `imagehash` Python library (J. Buchner): a 32×32 greyscale image, its 2-D
 * DCT-II, the 8×8 lowest frequencies (rows and columns 0–7), one bit per coefficient: 1 when it is above
 * their median (pHash.org uses rows and columns 1–8 instead; either way 64 bits).
 */

/** Side of the greyscale square the hash is computed from, in pixels. */
export const HASH_INPUT_SIDE = 32;
const LOW = 8;
/**
 * A coefficient within this much of the median (0–255 pixel scale, orthonormal DCT) flips with re-encoding
 * noise, so its bit is a coin toss. Measured on the corpus: photos have at most 6 such coefficients of 64;
 * smooth gradients, flat colours and simple shapes have 13 to 64 (bench/phash.ts).
 */
const UNSTABLE_MARGIN = 4;
/**
 * More coin-toss bits than this and the hash is not used: such a picture's copies land anywhere from 0 to
 * 32 bits apart, so no distance separates them from other pictures. The same idea as PDQ's quality score
 * (Facebook's PDQ, which tells matchers to ignore hashes below quality 50).
 */
const MAX_UNSTABLE_BITS = 8;

/** An orthonormal DCT-II basis: row k holds cos(π(2n+1)k / 2N) scaled so the transform keeps energy. */
function dctBasis(size: number, rows: number): Float64Array[] {
  return Array.from({ length: rows }, (_, k) => {
    const scale = Math.sqrt((k === 0 ? 1 : 2) / size);
    return Float64Array.from({ length: size }, (_, n) => scale * Math.cos((Math.PI * (2 * n + 1) * k) / (2 * size)));
  });
}
const BASIS = dctBasis(HASH_INPUT_SIDE, LOW);

/** The DCT coefficients (rows 0–7 × columns 0–7) of a 32×32 image, row-major: DC first. */
function lowFrequencies(pixels: Uint8Array): number[] {
  const n = HASH_INPUT_SIDE;
  // Columns first: rowsDct[y][k] = Σx pixel[y][x]·basis[k][x], only for the k we keep.
  const rowsDct = Array.from({ length: n }, (_, y) => BASIS.map((basis) => basis.reduce((sum, b, x) => sum + b * pixels[y * n + x]!, 0)));
  const out: number[] = [];
  for (let v = 0; v < LOW; v++) {
    for (let u = 0; u < LOW; u++) {
      out.push(BASIS[v]!.reduce((sum, b, y) => sum + b * rowsDct[y]![u]!, 0));
    }
  }
  return out;
}

/**
 * Computes the pHash of a 32×32 greyscale image.
 * @param pixels 1024 bytes, row-major, one 8-bit grey value per pixel
 * @returns the 64-bit hash (bit 63 = the DC coefficient), or null when the picture has too little structure
 *   for a reliable hash (flat, a smooth gradient, a few plain shapes: see MAX_UNSTABLE_BITS)
 * @throws RangeError when `pixels` is not 1024 bytes
 */
export function perceptualHash(pixels: Uint8Array): bigint | null {
  if (pixels.length !== HASH_INPUT_SIDE * HASH_INPUT_SIDE) {
    throw new RangeError(`expected ${HASH_INPUT_SIDE * HASH_INPUT_SIDE} grey pixels, got ${pixels.length}`);
  }
  const coefficients = lowFrequencies(pixels);
  const sorted = [...coefficients].sort((a, b) => a - b);
  const median = (sorted[31]! + sorted[32]!) / 2;
  const unstable = coefficients.filter((c) => Math.abs(c - median) < UNSTABLE_MARGIN).length;
  if (unstable > MAX_UNSTABLE_BITS) return null;
  return coefficients.reduce((hash, c) => (hash << 1n) | (c > median ? 1n : 0n), 0n);
}

/** Number of differing bits between two 64-bit hashes (0–64). */
export function hammingDistance(a: bigint, b: bigint): number {
  let diff = BigInt.asUintN(64, a ^ b);
  let count = 0;
  while (diff) {
    diff &= diff - 1n;
    count++;
  }
  return count;
}

/**
 * The near-duplicate decision: two hashes are the same picture when they differ in at most `maxDistance`
 * bits (PHASH_MATCH_DISTANCE; README "Near-duplicate matching" has the measurement behind the default).
 */
export function isNearDuplicate(distance: number, maxDistance: number): boolean {
  return distance <= maxDistance;
}

/** The hash as PostgreSQL's signed int8 (same 64 bits, two's complement), as a decimal string for pg. */
export function hashToInt8(hash: bigint): string {
  return BigInt.asIntN(64, hash).toString();
}

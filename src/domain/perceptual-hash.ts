/**
 * The 64-bit DCT perceptual hash (pHash) and the near-duplicate decision. Pure functions with no I/O;
 * src/media/perceptual-hash.ts produces the 32×32 grey pixels with sharp.
 *
 * The hash follows pHash.org and Zauner, "Implementation and Benchmarking of Perceptual Image Hash
 * Functions" (2010): a 32×32 greyscale image, its 2-D DCT-II, the 8×8 lowest frequencies without the DC
 * term (rows and columns 1–8), one bit per coefficient: 1 when it is above their median.
 */

/** Side of the greyscale square the hash is computed from, in pixels. */
export const HASH_INPUT_SIDE = 32;
const LOW = 8;
/**
 * Largest absolute low-frequency coefficient (on the 0–255 pixel scale, orthonormal DCT) below which an
 * image counts as flat: a blank or single-colour picture has no structure to compare, and its 64 bits
 * would be noise or all zeros, matching every other blank picture.
 */
const FLAT_COEFFICIENT = 1;

/** An orthonormal DCT-II basis: row k holds cos(π(2n+1)k / 2N) scaled so the transform keeps energy. */
function dctBasis(size: number, rows: number): Float64Array[] {
  return Array.from({ length: rows }, (_, k) => {
    const scale = Math.sqrt((k === 0 ? 1 : 2) / size);
    return Float64Array.from({ length: size }, (_, n) => scale * Math.cos((Math.PI * (2 * n + 1) * k) / (2 * size)));
  });
}
const BASIS = dctBasis(HASH_INPUT_SIDE, LOW + 1);

/** The DCT coefficients (rows 1–8 × columns 1–8) of a 32×32 image, row-major. */
function lowFrequencies(pixels: Uint8Array): number[] {
  const n = HASH_INPUT_SIDE;
  // Columns first: rowsDct[y][k] = Σx pixel[y][x]·basis[k][x], only for the k we keep.
  const rowsDct = Array.from({ length: n }, (_, y) =>
    BASIS.map((basis) => basis.reduce((sum, b, x) => sum + b * pixels[y * n + x]!, 0)),
  );
  const out: number[] = [];
  for (let v = 1; v <= LOW; v++) {
    for (let u = 1; u <= LOW; u++) {
      out.push(BASIS[v]!.reduce((sum, b, y) => sum + b * rowsDct[y]![u]!, 0));
    }
  }
  return out;
}

/**
 * Computes the pHash of a 32×32 greyscale image.
 * @param pixels 1024 bytes, row-major, one 8-bit grey value per pixel
 * @returns the 64-bit hash (bit 63 = first coefficient), or null for a flat image (see FLAT_COEFFICIENT)
 * @throws RangeError when `pixels` is not 1024 bytes
 */
export function perceptualHash(pixels: Uint8Array): bigint | null {
  if (pixels.length !== HASH_INPUT_SIDE * HASH_INPUT_SIDE) {
    throw new RangeError(`expected ${HASH_INPUT_SIDE * HASH_INPUT_SIDE} grey pixels, got ${pixels.length}`);
  }
  const coefficients = lowFrequencies(pixels);
  if (coefficients.every((c) => Math.abs(c) < FLAT_COEFFICIENT)) return null;
  const sorted = [...coefficients].sort((a, b) => a - b);
  const median = (sorted[31]! + sorted[32]!) / 2;
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

/** The hash as 16 lowercase hex digits, for logs, audit events and the API. */
export function hashToHex(hash: bigint): string {
  return BigInt.asUintN(64, hash).toString(16).padStart(16, '0');
}

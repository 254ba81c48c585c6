/**
 * PDQ, the 256-bit perceptual image hash that trust-and-safety teams share, and its quality score. Pure
 * functions with no I/O; src/media/pdq.ts produces the RGB pixels with sharp.
 *
 * Source: Meta's PDQ (facebook/ThreatExchange, `pdq/`, BSD licence, Copyright (c) Meta Platforms, Inc. and
 * affiliates) and its paper "The TMK+PDQF Video-Hashing Algorithm and the PDQ Image Similarity Algorithm"
 * (2017). Restated here from the published algorithm, step by step as the reference does it, so that our hashes
 * agree with every other PDQ implementation (test/domain/pdq.test.ts checks the reference's test vectors):
 *  1. Luminance Y = 0.299 R + 0.587 G + 0.114 B (Rec. 601), as floats.
 *  2. A tent filter made of two pairs of 1-D box filters along rows then columns (Jarosz, "Fast Image
 *     Convolutions", SIGGRAPH 2001), window ⌈side / 128⌉ per pass, then decimation to 64×64 by sampling at
 *     the centre of each cell.
 *  3. Quality: the sum over the 64×64 image of |neighbour differences| × 100 / 255 (each truncated to an
 *     integer), divided by 90, capped at 100. Flat and smooth pictures score low; PDQ's README says to ignore
 *     hashes of quality below 50 (PDQ_MIN_QUALITY).
 *  4. The 2-D DCT-II of the 64×64 image, keeping frequencies 1–16 in each direction (16×16, DC left out).
 *  5. One bit per coefficient: 1 when it is above the median of the 256 (the lower median, 128th of 256).
 * Bit k (k = 16·row + column of the 16×16 DCT) is bit k of the hash read as a 256-bit number, which PDQ
 * writes as 64 hex digits, most significant first.
 *
 * The eight dihedral transforms of the picture (rotations and flips) permute and negate DCT coefficients,
 * so their hashes come from the one DCT (PDQ's `dct16OriginalTo…` functions): a cosine basis function of
 * frequency k is symmetric under mirroring when k is even and antisymmetric when k is odd, and frequencies
 * here start at 1, so mirroring negates the coefficients of even index; a transposition swaps the axes.
 */

/** Side of the downsampled luminance image the DCT is taken of, in pixels. */
const DOWNSAMPLED_SIDE = 64;
/** Side of the kept block of DCT coefficients: 16 × 16 = 256 bits. */
const DCT_SIDE = 16;
/** Two x-then-y pairs of box filters make a tent filter (PDQ_NUM_JAROSZ_XY_PASSES). */
const JAROSZ_PASSES = 2;
/** Smaller images have no meaningful hash: PDQ gives them the all-zero hash and quality 0. */
const MIN_HASHABLE_SIDE = 5;
/** PDQ's README: "discard hashes with quality ≤ 49"; they come from pictures too plain to tell apart. */
export const PDQ_MIN_QUALITY = 50;
/** Number of bits of a PDQ hash. */
export const PDQ_BITS = 256;

/** A PDQ hash: 32 bytes, big-endian (byte 0 is the first two hex digits). */
export type PdqHash = Uint8Array;

/** The eight dihedral transforms, in PDQ's order; a hash of each is what that transform of the picture hashes to. */
export const ORIENTATIONS = ['original', 'rotate90', 'rotate180', 'rotate270', 'flipX', 'flipY', 'flipPlus1', 'flipMinus1'] as const;
export type Orientation = (typeof ORIENTATIONS)[number];

/** A picture's hash and quality (0–100). */
export interface PdqResult {
  hash: PdqHash;
  quality: number;
}

/** A picture's hashes in all eight orientations (`original` first), and its quality (0–100). */
export interface PdqDihedralResult {
  hashes: Record<Orientation, PdqHash>;
  quality: number;
}

/**
 * Rec. 601 luminance of interleaved 8-bit pixels.
 * @param pixels row-major, `channels` bytes per pixel: 1 (grey) or ≥ 3 (R, G, B first; any more ignored)
 * @returns width × height floats, row-major
 * @throws RangeError when the buffer does not hold width × height × channels bytes
 */
export function lumaFromPixels(pixels: Uint8Array, size: { width: number; height: number; channels: number }): Float32Array {
  const { width, height, channels } = size;
  if (pixels.length !== width * height * channels || (channels !== 1 && channels < 3)) {
    throw new RangeError(`expected ${width}×${height} pixels of 1 or ≥ 3 channels, got ${pixels.length} bytes for ${channels}`);
  }
  const luma = new Float32Array(width * height);
  for (let i = 0, p = 0; i < luma.length; i++, p += channels) {
    luma[i] = channels === 1 ? pixels[p]! : 0.299 * pixels[p]! + 0.587 * pixels[p + 1]! + 0.114 * pixels[p + 2]!;
  }
  return luma;
}

/** One pass of a running-mean box filter over `length` values spaced `stride` apart (PDQ's box1DFloat). */
function boxFilter1d(input: Float32Array, output: Float32Array, start: number, length: number, stride: number, window: number): void {
  const half = Math.floor((window + 2) / 2);
  let sum = 0;
  let count = 0;
  let read = start;
  let drop = start;
  let write = start;
  for (let i = 0; i < half - 1; i++, read += stride) {
    sum += input[read]!;
    count++;
  }
  for (let i = 0; i < window - half + 1; i++, read += stride, write += stride) {
    sum += input[read]!;
    count++;
    output[write] = sum / count;
  }
  for (let i = 0; i < length - window; i++, read += stride, drop += stride, write += stride) {
    sum += input[read]! - input[drop]!;
    output[write] = sum / count;
  }
  for (let i = 0; i < half - 1; i++, drop += stride, write += stride) {
    sum -= input[drop]!;
    count--;
    output[write] = sum / count;
  }
}

/**
 * boxFilter1d down every listed column at once, row by row: the same sums in the same order (so the same
 * floats), read along rows instead of striding down columns, which is several times faster on a 512-px picture.
 */
function boxFilterColumns(
  input: Float32Array,
  output: Float32Array,
  width: number,
  height: number,
  window: number,
  columns: Int32Array,
): void {
  const half = Math.floor((window + 2) / 2);
  const sums = new Float64Array(columns.length);
  const n = columns.length;
  let count = 0;
  let read = 0;
  let drop = 0;
  let write = 0;
  for (let i = 0; i < half - 1; i++, read += width) {
    for (let c = 0; c < n; c++) sums[c] = sums[c]! + input[read + columns[c]!]!;
    count++;
  }
  for (let i = 0; i < window - half + 1; i++, read += width, write += width) {
    count++;
    for (let c = 0; c < n; c++) {
      const x = columns[c]!;
      const sum = sums[c]! + input[read + x]!;
      sums[c] = sum;
      output[write + x] = sum / count;
    }
  }
  for (let i = 0; i < height - window; i++, read += width, drop += width, write += width) {
    for (let c = 0; c < n; c++) {
      const x = columns[c]!;
      const sum = sums[c]! + (input[read + x]! - input[drop + x]!);
      sums[c] = sum;
      output[write + x] = sum / count;
    }
  }
  for (let i = 0; i < half - 1; i++, drop += width, write += width) {
    count--;
    for (let c = 0; c < n; c++) {
      const x = columns[c]!;
      const sum = sums[c]! - input[drop + x]!;
      sums[c] = sum;
      output[write + x] = sum / count;
    }
  }
}

/** Largest picture whose working buffers are kept between hashes, in pixels (two × 4 MB). */
const KEPT_SCRATCH_PIXELS = 1 << 20;
let scratch: [Float32Array, Float32Array] = [new Float32Array(0), new Float32Array(0)];

/**
 * Two working buffers of `length` floats. Up to KEPT_SCRATCH_PIXELS they are reused from hash to hash (a hash runs
 * synchronously, so no two share them): a picture's 27 hashes would otherwise allocate 40 MB for the collector.
 */
function scratchPair(length: number): [Float32Array, Float32Array] {
  if (length > KEPT_SCRATCH_PIXELS) return [new Float32Array(length), new Float32Array(length)];
  if (scratch[0].length < length) scratch = [new Float32Array(length), new Float32Array(length)];
  return [scratch[0].subarray(0, length), scratch[1].subarray(0, length)];
}

/** The tent-filtered, decimated 64×64 luminance (steps 2 of the module comment). */
function downsample(luma: Float32Array, width: number, height: number): Float32Array {
  const windowAlongRows = Math.floor((width + 2 * DOWNSAMPLED_SIDE - 1) / (2 * DOWNSAMPLED_SIDE));
  const windowAlongColumns = Math.floor((height + 2 * DOWNSAMPLED_SIDE - 1) / (2 * DOWNSAMPLED_SIDE));
  const [a, b] = scratchPair(luma.length);
  a.set(luma);
  const sampledColumns = Array.from({ length: DOWNSAMPLED_SIDE }, (_, j) => Math.floor(((j + 0.5) * width) / DOWNSAMPLED_SIDE));
  const everyColumn = Int32Array.from({ length: width }, (_, x) => x);
  // The last column pass is read only at the sampled columns: filtering the others would be thrown away.
  const distinctSampled = Int32Array.from(new Set(sampledColumns));
  for (let pass = 0; pass < JAROSZ_PASSES; pass++) {
    for (let y = 0; y < height; y++) boxFilter1d(a, b, y * width, width, 1, windowAlongRows);
    boxFilterColumns(b, a, width, height, windowAlongColumns, pass === JAROSZ_PASSES - 1 ? distinctSampled : everyColumn);
  }
  const out = new Float32Array(DOWNSAMPLED_SIDE * DOWNSAMPLED_SIDE);
  for (let i = 0; i < DOWNSAMPLED_SIDE; i++) {
    const y = Math.floor(((i + 0.5) * height) / DOWNSAMPLED_SIDE);
    for (let j = 0; j < DOWNSAMPLED_SIDE; j++) out[i * DOWNSAMPLED_SIDE + j] = a[y * width + sampledColumns[j]!]!;
  }
  return out;
}

/** PDQ's image-domain quality metric (step 3), 0–100. */
function quality(image: Float32Array): number {
  const n = DOWNSAMPLED_SIDE;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const u = image[i * n + j]!;
      if (i < n - 1) sum += Math.abs(Math.trunc(((u - image[(i + 1) * n + j]!) * 100) / 255));
      if (j < n - 1) sum += Math.abs(Math.trunc(((u - image[i * n + j + 1]!) * 100) / 255));
    }
  }
  return Math.min(100, Math.trunc(sum / 90));
}

/** DCT-II basis rows for frequencies 1–16 over 64 samples, scaled by √(2/64) as PDQ does. */
const DCT_MATRIX: Float32Array = (() => {
  const matrix = new Float32Array(DCT_SIDE * DOWNSAMPLED_SIDE);
  const scale = Math.sqrt(2 / DOWNSAMPLED_SIDE);
  for (let i = 0; i < DCT_SIDE; i++) {
    for (let j = 0; j < DOWNSAMPLED_SIDE; j++) {
      matrix[i * DOWNSAMPLED_SIDE + j] = scale * Math.cos((Math.PI / 2 / DOWNSAMPLED_SIDE) * (i + 1) * (2 * j + 1));
    }
  }
  return matrix;
})();

/** The 16×16 DCT block D·A·Dᵀ of the 64×64 image (step 4), row-major. */
function dct16(image: Float32Array): Float32Array {
  const n = DOWNSAMPLED_SIDE;
  const partial = new Float32Array(DCT_SIDE * n);
  for (let i = 0; i < DCT_SIDE; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += DCT_MATRIX[i * n + k]! * image[k * n + j]!;
      partial[i * n + j] = sum;
    }
  }
  const out = new Float32Array(DCT_SIDE * DCT_SIDE);
  for (let i = 0; i < DCT_SIDE; i++) {
    for (let j = 0; j < DCT_SIDE; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += partial[i * n + k]! * DCT_MATRIX[j * n + k]!;
      out[i * DCT_SIDE + j] = sum;
    }
  }
  return out;
}

/** Step 5: bit k set when coefficient k is above the (lower) median. */
function bitsAboveMedian(dct: Float32Array): PdqHash {
  const median = Float32Array.from(dct).sort()[(DCT_SIDE * DCT_SIDE) / 2 - 1]!;
  const hash = new Uint8Array(PDQ_BITS / 8);
  for (let k = 0; k < dct.length; k++) {
    if (dct[k]! > median) hash[31 - (k >> 3)]! |= 1 << (k & 7);
  }
  return hash;
}

/**
 * How each orientation's DCT block derives from the original's: `transpose` swaps rows and columns, and the
 * coefficient at (row i, column j) is negated when `negate(i, j)` (PDQ's dct16OriginalTo… table).
 */
const DIHEDRAL: Record<Orientation, { transpose: boolean; negate: (i: number, j: number) => boolean }> = {
  original: { transpose: false, negate: () => false },
  rotate90: { transpose: true, negate: (_i, j) => (j & 1) === 0 },
  rotate180: { transpose: false, negate: (i, j) => ((i + j) & 1) === 1 },
  rotate270: { transpose: true, negate: (i) => (i & 1) === 0 },
  flipX: { transpose: false, negate: (i) => (i & 1) === 0 },
  flipY: { transpose: false, negate: (_i, j) => (j & 1) === 0 },
  flipPlus1: { transpose: true, negate: () => false },
  flipMinus1: { transpose: true, negate: (i, j) => ((i + j) & 1) === 1 },
};

function transformDct(dct: Float32Array, orientation: Orientation): Float32Array {
  const { transpose, negate } = DIHEDRAL[orientation];
  const out = new Float32Array(dct.length);
  for (let i = 0; i < DCT_SIDE; i++) {
    for (let j = 0; j < DCT_SIDE; j++) {
      const value = negate(i, j) ? -dct[i * DCT_SIDE + j]! : dct[i * DCT_SIDE + j]!;
      out[transpose ? j * DCT_SIDE + i : i * DCT_SIDE + j] = value;
    }
  }
  return out;
}

function dctAndQuality(luma: Float32Array, size: { width: number; height: number }): { dct: Float32Array; quality: number } | null {
  if (luma.length !== size.width * size.height)
    throw new RangeError(`expected ${size.width}×${size.height} luminance values, got ${luma.length}`);
  if (size.width < MIN_HASHABLE_SIDE || size.height < MIN_HASHABLE_SIDE) return null;
  const image = downsample(luma, size.width, size.height);
  return { dct: dct16(image), quality: quality(image) };
}

/**
 * The PDQ hash and quality of a picture's luminance (lumaFromPixels).
 * @returns the all-zero hash with quality 0 for a picture under 5 pixels on a side, as PDQ does
 * @throws RangeError when `luma` does not hold width × height values
 */
export function pdqHash(luma: Float32Array, size: { width: number; height: number }): PdqResult {
  const result = dctAndQuality(luma, size);
  if (!result) return { hash: new Uint8Array(PDQ_BITS / 8), quality: 0 };
  return { hash: bitsAboveMedian(result.dct), quality: result.quality };
}

/**
 * The PDQ hashes of the picture in all eight orientations, from one DCT: `hashes.rotate90` is the hash the
 * picture rotated by 90° would have (within a few bits: the reference's own transformed files agree within 0–6).
 * @throws RangeError as pdqHash
 */
export function pdqDihedralHashes(luma: Float32Array, size: { width: number; height: number }): PdqDihedralResult {
  const result = dctAndQuality(luma, size);
  const entries = ORIENTATIONS.map((orientation) => [
    orientation,
    result ? bitsAboveMedian(transformDct(result.dct, orientation)) : new Uint8Array(PDQ_BITS / 8),
  ]);
  return { hashes: Object.fromEntries(entries) as Record<Orientation, PdqHash>, quality: result?.quality ?? 0 };
}

/** Number of differing bits between two PDQ hashes (0–256). */
export function pdqDistance(a: PdqHash, b: PdqHash): number {
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    let x = a[i]! ^ b[i]!;
    while (x) {
      x &= x - 1;
      count++;
    }
  }
  return count;
}

/** The hash as PDQ writes it: 64 lower-case hex digits. */
export function pdqToHex(hash: PdqHash): string {
  return Buffer.from(hash).toString('hex');
}

/**
 * Parses PDQ's 64-hex-digit form (either case).
 * @returns the hash, or null when the text is not exactly 64 hex digits
 */
export function pdqFromHex(hex: string): PdqHash | null {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return null;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/**
 * The luminance image in another orientation, moved pixel by pixel: with `pdqHash`, the exact hash the
 * picture would have in that orientation. Each transform is its own inverse except the two rotations by 90°
 * and 270°, which are each other's, so hashing a query in all eight orientations undoes whichever one an
 * uploader applied.
 * @returns the new luminance and its size (width and height swap for the transposing orientations)
 */
export function orientLuma(
  luma: Float32Array,
  size: { width: number; height: number },
  orientation: Orientation,
): { luma: Float32Array; width: number; height: number } {
  const { width: w, height: h } = size;
  const transpose = DIHEDRAL[orientation].transpose;
  const width = transpose ? h : w;
  const height = transpose ? w : h;
  // Where pixels (0, 0), (1, 0) and (0, 1) land tells where every pixel lands: the moves are affine.
  const [ox, oy] = PIXEL_MOVES[orientation](0, 0, w, h);
  const [ax, ay] = PIXEL_MOVES[orientation](1, 0, w, h);
  const [bx, by] = PIXEL_MOVES[orientation](0, 1, w, h);
  const start = oy * width + ox;
  const stepX = (ay - oy) * width + (ax - ox);
  const stepY = (by - oy) * width + (bx - ox);
  const out = new Float32Array(luma.length);
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0, o = start + y * stepY; x < w; x++, i++, o += stepX) out[o] = luma[i]!;
  }
  return { luma: out, width, height };
}

/**
 * Pixel (x, y) of a w×h picture → its place after each transform, in PDQ's naming (checked against the
 * reference's bridge-* files): rotations are counter-clockwise, flipX mirrors top to bottom (about the x
 * axis), flipY left to right, flipPlus1 transposes, flipMinus1 mirrors about the other diagonal.
 */
const PIXEL_MOVES: Record<Orientation, (x: number, y: number, w: number, h: number) => [number, number]> = {
  original: (x, y) => [x, y],
  rotate90: (x, y, w) => [y, w - 1 - x],
  rotate180: (x, y, w, h) => [w - 1 - x, h - 1 - y],
  rotate270: (x, y, _w, h) => [h - 1 - y, x],
  flipX: (x, y, _w, h) => [x, h - 1 - y],
  flipY: (x, y, w) => [w - 1 - x, y],
  flipPlus1: (x, y) => [y, x],
  flipMinus1: (x, y, w, h) => [h - 1 - y, w - 1 - x],
};

/**
 * The luminance image enlarged so that its longest side is `longSide` pixels, by bilinear interpolation with
 * pixel centres aligned (source = (target + ½) × ratio − ½, clamped at the edges). That sampling is the same
 * seen from either edge, so enlarging commutes with every flip and rotation: a rotated copy, enlarged, is
 * exactly the enlarged original rotated (libvips' enlargement is not quite, by up to 16 bits of the hash).
 * An image already that large is returned as it is.
 */
export function enlargeLuma(
  luma: Float32Array,
  size: { width: number; height: number },
  longSide: number,
): { luma: Float32Array; width: number; height: number } {
  const { width: w, height: h } = size;
  if (Math.max(w, h) >= longSide) return { luma, width: w, height: h };
  const scale = longSide / Math.max(w, h);
  const width = Math.max(1, Math.round(w * scale));
  const height = Math.max(1, Math.round(h * scale));
  const sample = (target: number, from: number, to: number) => {
    const source = Math.min(from - 1, Math.max(0, ((target + 0.5) * from) / to - 0.5));
    const low = Math.floor(source);
    return { low, high: Math.min(from - 1, low + 1), t: source - low };
  };
  const xs = Array.from({ length: width }, (_, x) => sample(x, w, width));
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const { low: y0, high: y1, t: ty } = sample(y, h, height);
    for (let x = 0; x < width; x++) {
      const { low: x0, high: x1, t: tx } = xs[x]!;
      const top = luma[y0 * w + x0]! * (1 - tx) + luma[y0 * w + x1]! * tx;
      const bottom = luma[y1 * w + x0]! * (1 - tx) + luma[y1 * w + x1]! * tx;
      out[y * width + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return { luma: out, width, height };
}

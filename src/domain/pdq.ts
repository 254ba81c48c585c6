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

/**
 * Where a picture's luminance values sit in a buffer: pixel (x, y) of the width × height picture is
 * `luma[start + x·stepX + y·stepY]`. A rotation, a flip or a crop of a picture is a view of the same buffer
 * (orientedView, cropView in pdq-matching.ts), so its hash needs no copy of the pixels.
 */
export interface LumaView {
  luma: Float32Array;
  width: number;
  height: number;
  start: number;
  stepX: number;
  stepY: number;
}

/** A whole row-major luminance image as a view. */
export function wholeView(luma: Float32Array, size: { width: number; height: number }): LumaView {
  return { luma, width: size.width, height: size.height, start: 0, stepX: 1, stepY: size.width };
}

/**
 * The tent filter along one axis of `length` pixels, read only where the decimation samples it: for each of
 * the 64 samples, the consecutive pixels it averages (`positions`, ascending, from `starts[s]` to `starts[s + 1]`) and
 * their weights. PDQ's box filter (box1DFloat) gives pixel p the mean of pixels p − (window − half) to
 * p + half − 1, half = ⌊(window + 2) / 2⌋, clipped at the edges (fewer pixels, same mean); two passes of it
 * weigh pixel r by Σ over q in box(p) with r in box(q) of 1 / (|box(p)|·|box(q)|). The row and column filters act
 * on different axes, so the reference's rows–columns–rows–columns order equals both row passes then both column
 * passes; and only the 64 sampled rows and columns are ever read, so only they are computed (the reference filters
 * every pixel four times, about ten times the arithmetic).
 */
interface AxisTaps {
  starts: Int32Array;
  positions: Int32Array;
  weights: Float64Array;
}

const axisTapsByLength = new Map<number, AxisTaps>();

function axisTaps(length: number): AxisTaps {
  const known = axisTapsByLength.get(length);
  if (known) return known;
  const window = Math.floor((length + 2 * DOWNSAMPLED_SIDE - 1) / (2 * DOWNSAMPLED_SIDE));
  const half = Math.floor((window + 2) / 2);
  const box = (p: number): [number, number] => [Math.max(0, p - (window - half)), Math.min(length - 1, p + half - 1)];
  const starts = new Int32Array(DOWNSAMPLED_SIDE + 1);
  const positions: number[] = [];
  const weights: number[] = [];
  for (let s = 0; s < DOWNSAMPLED_SIDE; s++) {
    // Pass by pass, each pixel's weight spreads evenly over the pixels its box averages.
    let weightAt = new Map([[Math.floor(((s + 0.5) * length) / DOWNSAMPLED_SIDE), 1]]);
    for (let pass = 0; pass < JAROSZ_PASSES; pass++) {
      const spread = new Map<number, number>();
      for (const [q, weight] of weightAt) {
        const [low, high] = box(q);
        for (let r = low; r <= high; r++) spread.set(r, (spread.get(r) ?? 0) + weight / (high - low + 1));
      }
      weightAt = spread;
    }
    for (const r of [...weightAt.keys()].sort((a, b) => a - b)) {
      positions.push(r);
      weights.push(weightAt.get(r)!);
    }
    starts[s + 1] = positions.length;
  }
  const taps = { starts, positions: Int32Array.from(positions), weights: Float64Array.from(weights) };
  // Pictures reach PDQ at most 512 px a side (crops and orientations share lengths), so the map stays small.
  if (length <= 4 * 512) axisTapsByLength.set(length, taps);
  return taps;
}

/**
 * The tent-filtered, decimated 64×64 luminance of a view (step 2 of the module comment), row-major: what the
 * reference's four box passes over every pixel then sampling give, up to float rounding (it sums in float32).
 */
export function pdqDownsample(view: LumaView): Float32Array {
  const { luma, width, height, start, stepX, stepY } = view;
  const n = DOWNSAMPLED_SIDE;
  const columns = axisTaps(width);
  const rows = axisTaps(height);
  // Each sampled column filtered along its row, for the rows some sampled row reads.
  const alongRows = new Float64Array(height * n);
  const needed = new Uint8Array(height);
  for (const y of rows.positions) needed[y] = 1;
  const { starts, positions, weights } = columns;
  for (let y = 0; y < height; y++) {
    if (!needed[y]) continue;
    const base = start + y * stepY;
    for (let s = 0; s < n; s++) {
      const end = starts[s + 1]!;
      let sum = 0;
      // A sample's pixels are consecutive: read them by stepping, not by looking each position up.
      for (let t = starts[s]!, at = base + positions[t]! * stepX; t < end; t++, at += stepX) sum += weights[t]! * luma[at]!;
      alongRows[y * n + s] = sum;
    }
  }
  const out = new Float32Array(n * n);
  const sums = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    sums.fill(0);
    for (let t = rows.starts[i]!; t < rows.starts[i + 1]!; t++) {
      const weight = rows.weights[t]!;
      const from = rows.positions[t]! * n;
      for (let s = 0; s < n; s++) sums[s] = sums[s]! + weight * alongRows[from + s]!;
    }
    out.set(sums, i * n);
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

function dctAndQuality(view: LumaView): { dct: Float32Array; quality: number } | null {
  if (view.width < MIN_HASHABLE_SIDE || view.height < MIN_HASHABLE_SIDE) return null;
  const image = pdqDownsample(view);
  return { dct: dct16(image), quality: quality(image) };
}

function checkedView(luma: Float32Array, size: { width: number; height: number }): LumaView {
  if (luma.length !== size.width * size.height)
    throw new RangeError(`expected ${size.width}×${size.height} luminance values, got ${luma.length}`);
  return wholeView(luma, size);
}

/**
 * The PDQ hash and quality of a picture's luminance (lumaFromPixels).
 * @returns the all-zero hash with quality 0 for a picture under 5 pixels on a side, as PDQ does
 * @throws RangeError when `luma` does not hold width × height values
 */
export function pdqHash(luma: Float32Array, size: { width: number; height: number }): PdqResult {
  return pdqHashOfView(checkedView(luma, size));
}

/**
 * The PDQ hash and quality of a view of a luminance buffer (a whole picture, a turned one, a crop): exactly
 * what pdqHash gives for the same pixels copied out, as the sums run over the same pixels in the same order.
 * @returns the all-zero hash with quality 0 for a view under 5 pixels on a side, as PDQ does
 */
export function pdqHashOfView(view: LumaView): PdqResult {
  const result = dctAndQuality(view);
  if (!result) return { hash: new Uint8Array(PDQ_BITS / 8), quality: 0 };
  return { hash: bitsAboveMedian(result.dct), quality: result.quality };
}

/**
 * The PDQ hashes of the picture in all eight orientations, from one DCT: `hashes.rotate90` is the hash the
 * picture rotated by 90° would have (within a few bits: the reference's own transformed files agree within 0–6).
 * @throws RangeError as pdqHash
 */
export function pdqDihedralHashes(luma: Float32Array, size: { width: number; height: number }): PdqDihedralResult {
  const result = dctAndQuality(checkedView(luma, size));
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

/** Each orientation's inverse: the two rotations by 90° and 270° undo each other, every other transform itself. */
const INVERSE: Record<Orientation, Orientation> = {
  original: 'original',
  rotate90: 'rotate270',
  rotate180: 'rotate180',
  rotate270: 'rotate90',
  flipX: 'flipX',
  flipY: 'flipY',
  flipPlus1: 'flipPlus1',
  flipMinus1: 'flipMinus1',
};

/**
 * A whole picture in another orientation, as a view of the same pixels: with pdqHashOfView, the exact hash the
 * picture moved pixel by pixel into that orientation has. Hashing a query in all eight orientations undoes
 * whichever one an uploader applied.
 * @returns the view; width and height swap for the transposing orientations
 */
export function orientedView(luma: Float32Array, size: { width: number; height: number }, orientation: Orientation): LumaView {
  const { width: w, height: h } = size;
  const transpose = DIHEDRAL[orientation].transpose;
  const width = transpose ? h : w;
  const height = transpose ? w : h;
  // Pixel (x, y) of the turned picture is the original's pixel the inverse transform moves it to; the moves are
  // affine, so where (0, 0), (1, 0) and (0, 1) come from tells where every pixel does.
  const from = (x: number, y: number) => {
    const [sx, sy] = PIXEL_MOVES[INVERSE[orientation]](x, y, width, height);
    return sy * w + sx;
  };
  const start = from(0, 0);
  return { luma, width, height, start, stepX: from(1, 0) - start, stepY: from(0, 1) - start };
}

/** The pixels of a view copied out, row-major: a picture of width × height. */
export function copyView(view: LumaView): { luma: Float32Array; width: number; height: number } {
  const { luma, width, height, start, stepX, stepY } = view;
  const out = new Float32Array(width * height);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0, o = start + y * stepY; x < width; x++, i++, o += stepX) out[i] = luma[o]!;
  }
  return { luma: out, width, height };
}

/**
 * The luminance image in another orientation, moved pixel by pixel (orientedView copied out).
 * @returns the new luminance and its size (width and height swap for the transposing orientations)
 */
export function orientLuma(
  luma: Float32Array,
  size: { width: number; height: number },
  orientation: Orientation,
): { luma: Float32Array; width: number; height: number } {
  return copyView(orientedView(luma, size, orientation));
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

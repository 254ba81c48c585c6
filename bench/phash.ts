/**
 * `npm run bench:phash`: measures the perceptual hash on the test corpus, to choose PHASH_MATCH_DISTANCE.
 * - False matches: every pair of distinct pictures in the corpus (test/fixtures, one file per picture) at
 *   each distance: the share of pairs whose hashes are at most that many bits apart.
 * - Variant matches: each picture re-encoded, resized, cropped and brightness-shifted with sharp, the way a
 *   re-upload would differ: the share of variants within the distance of their original.
 * Prints both tables and the distance range that separates them.
 */
import { readFile } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { hammingDistance } from '../src/domain/perceptual-hash.js';
import { computePerceptualHash } from '../src/media/perceptual-hash.js';
import { deadlineIn } from '../src/media/sharp-settings.js';

/** One file per distinct picture the service accepts; those too plain to hash are counted apart. */
const PICTURES = [
  'real/2569067123_aca715a2ee_o.jpg',
  'real/Channel_digital_image_CMYK_color.jpg',
  'real/Flag_of_the_Netherlands-16bit.png',
  'real/Landscape_6.jpg',
  'real/Portrait_8.jpg',
  'real/animated-loop-3.gif',
  'real/concert.jpg',
  'real/flowers.jpeg',
  'real/sdr_cosmos12920_cicp1-13-6_yuv444_full_qp10.avif',
  'synthetic/valid-photo.jpg',
  'synthetic/exif-orientation-6.jpg',
  'synthetic/icc-p3.jpg',
  'synthetic/png16.png',
  'synthetic/transparent.png',
  'synthetic/animated.gif',
];
/** Files in the corpus that are another copy of a picture above (a different encoding of the same scene). */
const COPIES: [string, string][] = [
  ['synthetic/huge-exif.jpg', 'synthetic/valid-photo.jpg'],
  ['synthetic/cmyk.jpg', 'synthetic/valid-photo.jpg'],
  ['synthetic/animated.webp', 'synthetic/animated.gif'],
  ['real/animated-loop-3.webp', 'real/animated-loop-3.gif'],
];

type Variant = (image: Sharp, size: { width: number; height: number }) => Sharp;
const cropBy = (fraction: number): Variant => (image, { width, height }) => {
  const dx = Math.round(width * fraction);
  const dy = Math.round(height * fraction);
  return image.extract({ left: dx, top: dy, width: width - 2 * dx, height: height - 2 * dy }).png();
};
const scaleBy = (factor: number): Variant => (image, { width }) => image.resize(Math.max(32, Math.round(width * factor))).png();
/** How a re-upload differs from the original. Each starts from the picture as displayed (EXIF applied). */
const VARIANTS: Record<string, Variant> = {
  'JPEG q50': (image) => image.jpeg({ quality: 50 }),
  'WebP q40': (image) => image.webp({ quality: 40 }),
  'resized 50%': scaleBy(0.5),
  'resized 25%': scaleBy(0.25),
  'cropped 2% each side': cropBy(0.02),
  'cropped 5% each side': cropBy(0.05),
  'brightness +15%': (image) => image.modulate({ brightness: 1.15 }).png(),
  'brightness -15%': (image) => image.modulate({ brightness: 0.85 }).png(),
  'resized 50% + JPEG q60 + brightness +10%': (image, { width }) =>
    image.resize(Math.round(width / 2)).modulate({ brightness: 1.1 }).jpeg({ quality: 60 }),
};

const hashOf = (bytes: Buffer) => computePerceptualHash(bytes, { maxInputPixels: 40_000_000, deadline: deadlineIn(30_000) });
const fixture = (name: string) => readFile(new URL(`../test/fixtures/${name}`, import.meta.url));
/** Hamming distance, with a variant that did not hash (too plain) counted as a miss: 64 bits. */
const distance = (a: bigint, b: bigint | null) => (b === null ? 64 : hammingDistance(a, b));

const hashes = new Map<string, bigint>();
const unhashed: string[] = [];
for (const name of PICTURES) {
  const hash = await hashOf(await fixture(name));
  if (hash === null) unhashed.push(name);
  else hashes.set(name, hash);
}
const hashed = [...hashes.keys()];
const distinct: number[] = [];
for (let i = 0; i < hashed.length; i++) {
  for (let j = i + 1; j < hashed.length; j++) distinct.push(hammingDistance(hashes.get(hashed[i]!)!, hashes.get(hashed[j]!)!));
}

const variants = new Map<string, number[]>(Object.keys(VARIANTS).map((kind) => [kind, []]));
for (const name of hashed) {
  const displayed = await sharp(await fixture(name), { autoOrient: true }).png().toBuffer({ resolveWithObject: true });
  for (const [kind, make] of Object.entries(VARIANTS)) {
    const bytes = await make(sharp(displayed.data), displayed.info).toBuffer();
    variants.get(kind)!.push(distance(hashes.get(name)!, await hashOf(bytes)));
  }
}
const allVariants = [...variants.values()].flat();

const rate = (values: number[], d: number) => values.filter((v) => v <= d).length / values.length;
/** P(Binomial(64, ½) ≤ d): how often two independent random hashes are within d bits. */
const chance = (d: number) => {
  let ways = 1;
  let total = 1;
  for (let k = 1; k <= d; k++) total += ways = (ways * (65 - k)) / k;
  return total / 2 ** 64;
};
const percent = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(7);
console.log(`${PICTURES.length} distinct pictures; too plain to hash (no hash, never matched): ${unhashed.join(', ')}`);
console.log(`${hashed.length} hashed: ${distinct.length} pairs; ${allVariants.length} variants (${Object.keys(VARIANTS).length} per picture)\n`);
console.log('distance  false matches  variant matches  random pair within');
for (let d = 0; d <= 24; d += 2) {
  console.log(String(d).padStart(8), percent(rate(distinct, d)).padStart(14), percent(rate(allVariants, d)).padStart(16), chance(d).toExponential(1).padStart(19));
}
console.log('\nvariant                                      max distance   matched at 8 / 10 / 12');
for (const [kind, distances] of variants) {
  console.log(kind.padEnd(44), String(Math.max(...distances)).padStart(12), `   ${[8, 10, 12].map((d) => percent(rate(distances, d)).trim()).join(' / ')}`);
}
console.log('\ncopies already in the corpus:');
for (const [copy, of] of COPIES) {
  const original = hashes.get(of);
  const copyHash = await hashOf(await fixture(copy));
  console.log(`  ${copy} vs ${of}: ${original === undefined ? 'not hashed' : `${distance(original, copyHash)} bits`}`);
}
console.log(`\nclosest distinct pair: ${Math.min(...distinct)} bits; farthest variant: ${Math.max(...allVariants)} bits`);

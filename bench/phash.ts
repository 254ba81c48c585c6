/**
 * `npm run bench:phash`: the retired 64-bit pHash against PDQ as imgmod uses it, on generated photos
 * (test/helpers/photos.ts) and the corpus's photos, to show why PDQ replaced it.
 * - Copies: each photo mirrored, rotated, cut by 10 % on one edge, given a 15 % caption band, and shrunk to
 *   half with JPEG q60: the share matched (pHash within 8 of 64 bits, its old default; PDQ within 15 of 256
 *   in any orientation or crop, as uploads are looked up), and the largest distance.
 * - Distinct photos: the closest pair, for each hash.
 * Options: `--photos N` generated photos (default 30).
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { hammingDistance } from '../src/domain/perceptual-hash.js';
import { pdqDistance, type PdqHash } from '../src/domain/pdq.js';
import { queryHashesOf } from '../src/domain/pdq-matching.js';
import { computePdqHashes, type PdqHashes } from '../src/media/pdq.js';
import { computePerceptualHash } from '../src/media/perceptual-hash.js';
import { deadlineIn } from '../src/media/sharp-settings.js';
import { captionBand, cropOneEdge, syntheticPhoto } from '../test/helpers/photos.js';

const at = process.argv.indexOf('--photos');
const GENERATED = at >= 0 ? Number(process.argv[at + 1]) : 30;
const CORPUS = [
  'real/2569067123_aca715a2ee_o.jpg',
  'real/Landscape_6.jpg',
  'real/Portrait_8.jpg',
  'real/concert.jpg',
  'real/Channel_digital_image_CMYK_color.jpg',
];
const PHASH_LIMIT = 8;
const PDQ_LIMIT = 15;

const options = () => ({ maxInputPixels: 40_000_000, deadline: deadlineIn(30_000) });
const COPIES: Record<string, (bytes: Buffer, i: number) => Promise<Buffer>> = {
  mirrored: (bytes) => sharp(bytes).flop().jpeg({ quality: 85 }).toBuffer(),
  'rotated 90°': (bytes) => sharp(bytes).rotate(90).jpeg({ quality: 85 }).toBuffer(),
  'rotated 180°': (bytes) => sharp(bytes).rotate(180).jpeg({ quality: 85 }).toBuffer(),
  '10% cut off one edge': (bytes, i) => cropOneEdge(bytes, i % 4, 0.1),
  '15% caption band': (bytes, i) => captionBand(bytes, { fraction: 0.15, top: i % 2 === 0, text: `WHEN IT ${i}` }),
  'half size, JPEG q60': async (bytes) =>
    sharp(bytes)
      .resize(Math.round((await sharp(bytes).metadata()).width / 2))
      .jpeg({ quality: 60 })
      .toBuffer(),
};

const stored = (pdq: PdqHashes): PdqHash[] => [pdq.reference, pdq.oriented.original, ...Object.values(pdq.crops)];
const pdqMatchDistance = (query: PdqHashes, target: PdqHashes) =>
  Math.min(...queryHashesOf(query).flatMap((q) => stored(target).map((s) => pdqDistance(q.hash, s))));
const phashDistance = (a: bigint | null, b: bigint | null) => (a === null || b === null ? 64 : hammingDistance(a, b));

const photos: { name: string; bytes: Buffer; pdq: PdqHashes; phash: bigint | null }[] = [];
for (let seed = 1; seed <= GENERATED; seed++)
  photos.push({ name: `generated #${seed}`, bytes: await syntheticPhoto(seed), pdq: null!, phash: null });
for (const name of CORPUS) {
  const bytes = await sharp(await readFile(new URL(`../test/fixtures/${name}`, import.meta.url)), { autoOrient: true })
    .jpeg({ quality: 95 })
    .toBuffer();
  photos.push({ name, bytes, pdq: null!, phash: null });
}
for (const photo of photos) {
  photo.pdq = await computePdqHashes(photo.bytes, options());
  photo.phash = await computePerceptualHash(photo.bytes, options());
}

console.log(`${photos.length} photos (${GENERATED} generated, ${CORPUS.length} from the corpus)\n`);
console.log(
  `${'copy'.padEnd(24)} ${'pHash ≤ 8/64'.padStart(14)} ${'max bits'.padStart(9)} ${'PDQ ≤ 15/256'.padStart(14)} ${'max bits'.padStart(9)}`,
);
for (const [kind, make] of Object.entries(COPIES)) {
  const phash: number[] = [];
  const pdq: number[] = [];
  for (const [i, photo] of photos.entries()) {
    const copy = await make(photo.bytes, i);
    phash.push(phashDistance(photo.phash, await computePerceptualHash(copy, options())));
    pdq.push(pdqMatchDistance(await computePdqHashes(copy, options()), photo.pdq));
  }
  const share = (values: number[], limit: number) => `${values.filter((v) => v <= limit).length}/${values.length}`;
  console.log(
    `${kind.padEnd(24)} ${share(phash, PHASH_LIMIT).padStart(14)} ${String(Math.max(...phash)).padStart(9)} ${share(pdq, PDQ_LIMIT).padStart(14)} ${String(Math.max(...pdq)).padStart(9)}`,
  );
}
let closestPhash = 64;
let closestPdq = 256;
for (let i = 0; i < photos.length; i++) {
  for (let j = i + 1; j < photos.length; j++) {
    closestPhash = Math.min(closestPhash, phashDistance(photos[i]!.phash, photos[j]!.phash));
    closestPdq = Math.min(closestPdq, pdqMatchDistance(photos[i]!.pdq, photos[j]!.pdq), pdqMatchDistance(photos[j]!.pdq, photos[i]!.pdq));
  }
}
console.log(
  `\nclosest distinct pair: pHash ${closestPhash} of 64 bits (limit ${PHASH_LIMIT}), PDQ ${closestPdq} of 256 (limit ${PDQ_LIMIT})`,
);

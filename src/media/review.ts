/**
 * The moderator's review derivative: blurred and greyscale, so a reviewer sees the gist of a picture
 * without its detail; for an animation, a contact sheet with every frame, so a reviewer who sees frame 1
 * also sees frame 4.
 */
import sharp from 'sharp';
import { contactSheetGrid } from '../domain/media-rules.js';
import { inputOptions, openImage, remainingTimeout, type Deadline, type ImageSource } from './sharp-settings.js';

/** Longest side of a still's review image, in pixels (the thumbnail's size). */
const REVIEW_SIZE = 320;
/** Longest side of one frame in a contact sheet, in pixels; 100 frames make a 10×10 sheet of 1,644 px. */
export const CONTACT_TILE_SIZE = 160;
/** Grey gap between tiles and around the sheet, in pixels. */
export const CONTACT_GAP = 4;
/** Background behind transparent areas and between tiles: mid grey, neutral for a greyscale image. */
const BACKGROUND = { r: 128, g: 128, b: 128 };
/** Gaussian sigma as a fraction of the longest side: 1/40 (8 px at 320) keeps shapes, loses detail. */
const BLUR_FRACTION = 1 / 40;

interface ReviewOptions {
  frames: number;
  maxInputPixels: number;
  deadline: Deadline;
}

/**
 * Makes the review derivative: a still fits 320×320; an animation becomes a grid of every frame, each
 * tile fitting 160×160, left to right then top to bottom (see contactSheetGrid). Blurred, greyscale,
 * transparency flattened onto mid grey, WebP, no metadata.
 * @throws sharp's Error for an undecodable file or on timeout
 */
export async function makeReviewImage(original: ImageSource, options: ReviewOptions): Promise<Buffer> {
  if (options.frames <= 1) {
    return openImage(original, { maxInputPixels: options.maxInputPixels, animated: false })
      .resize(REVIEW_SIZE, REVIEW_SIZE, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: BACKGROUND })
      .greyscale()
      .blur(Math.max(0.3, REVIEW_SIZE * BLUR_FRACTION))
      .webp({ quality: 70 })
      .timeout(remainingTimeout(options.deadline))
      .toBuffer();
  }
  // An animation is never decoded ahead (makeDerivatives decodes stills only): its frames are read from the bytes.
  if (!Buffer.isBuffer(original)) throw new TypeError('an animation is read from its bytes');
  return makeContactSheet(original, options);
}

async function makeContactSheet(original: Buffer, options: ReviewOptions): Promise<Buffer> {
  // One decode of every frame, each resized to a tile: a strip of tiles stacked vertically.
  const strip = await sharp(original, inputOptions({ maxInputPixels: options.maxInputPixels, animated: true }))
    .resize(CONTACT_TILE_SIZE, CONTACT_TILE_SIZE, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: BACKGROUND })
    .greyscale()
    .raw()
    .timeout(remainingTimeout(options.deadline))
    .toBuffer({ resolveWithObject: true });
  const width = strip.info.width;
  const height = strip.info.pageHeight ?? strip.info.height;
  const frames = Math.floor(strip.info.height / height);
  const frameBytes = width * height * strip.info.channels;
  const raw = { width, height, channels: strip.info.channels };
  const sigma = Math.max(0.3, Math.max(width, height) * BLUR_FRACTION);
  // Each tile is blurred on its own, so one frame does not bleed into the next. Uncompressed PNG lets
  // composite turn the one grey channel into the sheet's three.
  const tiles = await Promise.all(
    Array.from({ length: frames }, (_, i) =>
      sharp(strip.data.subarray(i * frameBytes, (i + 1) * frameBytes), { raw })
        .blur(sigma)
        .png({ compressionLevel: 0 })
        .toBuffer(),
    ),
  );
  const { columns, rows } = contactSheetGrid(frames);
  return sharp({
    create: {
      width: columns * (width + CONTACT_GAP) + CONTACT_GAP,
      height: rows * (height + CONTACT_GAP) + CONTACT_GAP,
      channels: 3,
      background: BACKGROUND,
    },
  })
    .composite(
      tiles.map((tile, i) => ({
        input: tile,
        left: CONTACT_GAP + (i % columns) * (width + CONTACT_GAP),
        top: CONTACT_GAP + Math.floor(i / columns) * (height + CONTACT_GAP),
      })),
    )
    .webp({ quality: 70 })
    .timeout(remainingTimeout(options.deadline))
    .toBuffer();
}

/**
 * Everything the worker makes from an original, in one place: the intake checks again (a stored original is
 * never trusted; the display image's full decode stands in for intake's small one), then the served image, the
 * thumbnail, the review image and the PDQ hashes, all within one time budget.
 */
import { inspectImage, type InspectedImage, type IntakeLimits } from './inspect.js';
import { makeDisplayImage, type DisplayImage } from './display.js';
import { computePdqHashes, PDQ_INPUT_SIDE, type PdqHashes } from './pdq.js';
import { makeReviewImage } from './review.js';
import {
  deadlineIn,
  openImage,
  remainingTimeout,
  withinDeadline,
  type DecodedImage,
  type Deadline,
  type ImageSource,
} from './sharp-settings.js';
import { makeThumbnail, type Thumbnail } from './thumbnail.js';

export interface Derivatives {
  /** What intake reads from the original: format, display size after EXIF orientation, frames, alpha. */
  source: InspectedImage;
  display: DisplayImage;
  thumbnail: Thumbnail;
  /** Blurred greyscale WebP; a contact sheet of every frame for an animation. */
  review: Buffer;
  /** PDQ hashes of the picture as displayed: eight orientations, the crop ladder, and the quality. */
  pdq: PdqHashes;
}

/**
 * Largest still (other than JPEG) decoded once to raw pixels for the display image and smallSource, in pixels:
 * 16 MP is 64 MB of RGBA per job (THUMBNAIL_CONCURRENCY jobs at once), against two decodes of a format that has no
 * shrink-on-load.
 */
export const DECODE_ONCE_MAX_PIXELS = 16_000_000;

/**
 * What the display image is made from. A JPEG stays as its bytes: libjpeg decodes it once, in full, for the
 * display image. An animation stays as its bytes too (its frames are read per derivative). Any other still (PNG,
 * WebP, AVIF, GIF, TIFF) up to DECODE_ONCE_MAX_PIXELS is decoded once, oriented, to raw sRGB pixels that the
 * display image and smallSource both read; a 1080p PNG decoded once makes all four derivatives about twice as fast
 * as decoding it for each (`npm run bench`).
 */
async function cheapestSource(
  original: Buffer,
  source: InspectedImage,
  common: { maxInputPixels: number; deadline: Deadline },
): Promise<ImageSource> {
  if (source.format === 'jpeg' || source.frames > 1 || source.width * source.height > DECODE_ONCE_MAX_PIXELS) return original;
  return decodeStill(original, common);
}

/** The first frame as raw sRGB pixels, oriented, transparency kept; shrunk to fit `fitSide` when given. */
async function decodeStill(
  input: ImageSource,
  common: { maxInputPixels: number; deadline: Deadline },
  fitSide?: number,
): Promise<DecodedImage> {
  const pipeline = openImage(input, { maxInputPixels: common.maxInputPixels, animated: false }).toColourspace('srgb');
  if (fitSide) pipeline.resize(fitSide, fitSide, { fit: 'inside', withoutEnlargement: true });
  const { data, info } = await pipeline.raw().timeout(remainingTimeout(common.deadline)).toBuffer({ resolveWithObject: true });
  return { data, info: { width: info.width, height: info.height, channels: info.channels } };
}

/**
 * What the thumbnail, the review image and the PDQ hashes of a still are made from: the picture decoded once at
 * PDQ_INPUT_SIDE (512 px) on its longest side, oriented, sRGB, transparency kept. All three need at most that
 * (the thumbnail and review image are 320 px, PDQ reads 512 px), so a JPEG is decoded for them once instead of
 * three times (shrink-on-load makes that decode cheap) and a still decoded in full is shrunk once instead of
 * three times. An animation keeps its source: its review image is a contact sheet of every frame.
 */
async function smallSource(
  input: ImageSource,
  source: InspectedImage,
  common: { maxInputPixels: number; deadline: Deadline },
): Promise<ImageSource> {
  return source.frames > 1 ? input : decodeStill(input, common, PDQ_INPUT_SIDE);
}

/**
 * Checks the original with the intake rules and makes every derivative, one pipeline after another (each
 * already uses SHARP_CONCURRENCY threads), all within `limits.timeoutMs` (JOB_TIMEOUT_MS) in total, to the
 * millisecond (withinDeadline).
 * @throws AppError from the intake checks and sharp's Error for an undecodable file (both depend on the bytes
 *   alone, so the caller marks the image failed); MediaTimeoutError (or AppError `processing_timeout` from
 *   the intake decode) when the budget runs out, which a larger budget may cure
 */
export async function makeDerivatives(original: Buffer, limits: IntakeLimits): Promise<Derivatives> {
  const deadline = deadlineIn(limits.timeoutMs);
  return withinDeadline(
    deadline,
    (async () => {
      // The display image decodes every frame in full with failOn 'warning' (inputOptions), so a damaged file
      // fails there; the intake's own small decode would only repeat it.
      const source = await inspectImage(original, limits, { verifyDecode: false });
      const common = { maxInputPixels: limits.maxInputPixels, deadline };
      const input = await cheapestSource(original, source, common);
      const display = await makeDisplayImage(input, { ...common, frames: source.frames, hasAlpha: source.hasAlpha });
      const small = await smallSource(input, source, common);
      const thumbnail = await makeThumbnail(small, common);
      const review = await makeReviewImage(small, { ...common, frames: source.frames });
      const pdq = await computePdqHashes(small, common);
      return { source, display, thumbnail, review, pdq };
    })(),
  );
}

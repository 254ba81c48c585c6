/**
 * Everything the worker makes from an original, in one place: the intake checks again (a stored original is
 * never trusted; the display image's full decode stands in for intake's small one), then the served image, the
 * thumbnail, the review image and the PDQ hashes, all within one time budget.
 */
import { inspectImage, type InspectedImage, type IntakeLimits } from './inspect.js';
import { makeDisplayImage, type DisplayImage } from './display.js';
import { computePdqHashes, type PdqHashes } from './pdq.js';
import { makeReviewImage } from './review.js';
import { deadlineIn, openImage, remainingTimeout, withinDeadline, type Deadline, type ImageSource } from './sharp-settings.js';
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
 * Largest still decoded once for all four derivatives, in pixels: 16 MP is 64 MB of RGBA per job
 * (THUMBNAIL_CONCURRENCY jobs at once), against four or five decodes of a format that has no shrink-on-load.
 */
export const DECODE_ONCE_MAX_PIXELS = 16_000_000;

/**
 * What the derivatives are made from. A JPEG stays as its bytes: libjpeg's shrink-on-load decodes it at 1/2 to
 * 1/8 of its size for the small derivatives, cheaper than any copy. An animation stays as its bytes too (its
 * frames are read per derivative). Any other still (PNG, WebP, AVIF, GIF, TIFF) up to DECODE_ONCE_MAX_PIXELS is
 * decoded once, oriented, to raw sRGB pixels that every pipeline then reads; a 1080p PNG decoded once makes all
 * four derivatives about twice as fast as decoding it for each (`npm run bench`).
 */
async function cheapestSource(
  original: Buffer,
  source: InspectedImage,
  common: { maxInputPixels: number; deadline: Deadline },
): Promise<ImageSource> {
  if (source.format === 'jpeg' || source.frames > 1 || source.width * source.height > DECODE_ONCE_MAX_PIXELS) return original;
  const { data, info } = await openImage(original, { maxInputPixels: common.maxInputPixels, animated: false })
    .toColourspace('srgb')
    .raw()
    .timeout(remainingTimeout(common.deadline))
    .toBuffer({ resolveWithObject: true });
  return { data, info: { width: info.width, height: info.height, channels: info.channels } };
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
      const thumbnail = await makeThumbnail(input, common);
      const review = await makeReviewImage(input, { ...common, frames: source.frames });
      const pdq = await computePdqHashes(input, common);
      return { source, display, thumbnail, review, pdq };
    })(),
  );
}

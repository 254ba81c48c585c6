/**
 * Everything the worker makes from an original, in one place: the intake checks again (a stored original is
 * never trusted), then the served image, the thumbnail, the review image and the PDQ hashes, all
 * within one time budget.
 */
import { inspectImage, type InspectedImage, type IntakeLimits } from './inspect.js';
import { makeDisplayImage, type DisplayImage } from './display.js';
import { computePdqHashes, type PdqHashes } from './pdq.js';
import { makeReviewImage } from './review.js';
import { deadlineIn, withinDeadline } from './sharp-settings.js';
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
      const source = await inspectImage(original, limits);
      const common = { maxInputPixels: limits.maxInputPixels, deadline };
      const display = await makeDisplayImage(original, { ...common, frames: source.frames, hasAlpha: source.hasAlpha });
      const thumbnail = await makeThumbnail(original, common);
      const review = await makeReviewImage(original, { ...common, frames: source.frames });
      const pdq = await computePdqHashes(original, common);
      return { source, display, thumbnail, review, pdq };
    })(),
  );
}

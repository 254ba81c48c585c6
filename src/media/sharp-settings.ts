/**
 * sharp's process-wide settings and the per-job time budget. Every sharp pipeline in src/media takes its
 * timeout from a job deadline, so a pathological file fails its job instead of stalling the queue.
 */
import sharp, { type Sharp, type SharpOptions } from 'sharp';

/**
 * Applies the process-wide settings, once at start-up (API and worker both decode with sharp).
 * - `sharp.concurrency(threads)`: libvips threads per pipeline. Jobs already run in parallel
 *   (THUMBNAIL_CONCURRENCY), so one thread each keeps the total near the core count instead of cores².
 * - `sharp.cache(false)`: libvips' operation cache keeps decoded inputs for reuse (up to 50 MB and 100
 *   operations by default); every upload is new, so it only holds memory. Off makes memory predictable.
 */
export function configureSharp(settings: { threads: number }): void {
  sharp.concurrency(settings.threads);
  sharp.cache(false);
}

/** A job's time budget: when its sharp work must be done by (ms since the epoch) and how long it had. */
export interface Deadline {
  atMs: number;
  budgetMs: number;
}

/** Thrown when a job's time budget ran out (at the millisecond; see withinDeadline). */
export class MediaTimeoutError extends Error {
  constructor(budgetMs: number) {
    super(`image processing took longer than ${budgetMs} ms`);
    this.name = 'MediaTimeoutError';
  }
}

/** True for sharp's own timeout error ("timeout: 52% complete"), which is about time, not the file. */
export function isSharpTimeout(error: unknown): boolean {
  return error instanceof Error && /^timeout: \d+% complete/.test(error.message);
}

/**
 * Settles as `work` does, or rejects with MediaTimeoutError the millisecond the deadline passes. sharp's own
 * timeout counts whole seconds, so it only backs this up: the pipeline still running is killed by it within
 * a second, and the next pipeline of the job never starts (remainingTimeout throws). sharp's timeout error
 * becomes MediaTimeoutError too, so a slow file never reads as a corrupt one.
 */
export async function withinDeadline<T>(deadline: Deadline, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new MediaTimeoutError(deadline.budgetMs)), Math.max(0, deadline.atMs - Date.now()));
  });
  try {
    return await Promise.race([work, late]);
  } catch (error) {
    throw isSharpTimeout(error) ? new MediaTimeoutError(deadline.budgetMs) : error;
  } finally {
    clearTimeout(timer);
    work.catch(() => undefined); // a pipeline cut off by the deadline fails later, unobserved
  }
}

/** A deadline `budgetMs` from now. */
export function deadlineIn(budgetMs: number): Deadline {
  return { atMs: Date.now() + budgetMs, budgetMs };
}

/**
 * The `timeout` option for the next sharp pipeline: the whole seconds left until the deadline (sharp's
 * unit), at least 1.
 * @throws MediaTimeoutError when the deadline has already passed
 */
export function remainingTimeout(deadline: Deadline): { seconds: number } {
  const leftMs = deadline.atMs - Date.now();
  if (leftMs <= 0) throw new MediaTimeoutError(deadline.budgetMs);
  return { seconds: Math.max(1, Math.ceil(leftMs / 1000)) };
}

/**
 * Input options every derivative pipeline uses: failOn 'warning' (a damaged file fails instead of being
 * padded with grey), the intake pixel limit as sharp's `limitInputPixels` (so a file that slipped past
 * intake is still never decoded whole), and EXIF orientation applied (`autoOrient`).
 * @param options.animated read every frame (true) or the first only
 */
export function inputOptions(options: { maxInputPixels: number; animated: boolean }): SharpOptions {
  return { failOn: 'warning', limitInputPixels: options.maxInputPixels, autoOrient: true, animated: options.animated };
}

/** A still already decoded to raw sRGB pixels, EXIF orientation applied: several derivatives made from one decode. */
export interface DecodedImage {
  data: Buffer;
  info: { width: number; height: number; channels: 1 | 2 | 3 | 4 };
}

/** What a derivative is made from: the original's bytes, or a still decoded once (makeDerivatives). */
export type ImageSource = Buffer | DecodedImage;

/**
 * A sharp pipeline over `source`: the original with inputOptions, or decoded pixels (already checked, oriented
 * and within the pixel limit when they were decoded).
 */
export function openImage(source: ImageSource, options: { maxInputPixels: number; animated: boolean }): Sharp {
  if (Buffer.isBuffer(source)) return sharp(source, inputOptions(options));
  return sharp(source.data, { raw: source.info, limitInputPixels: options.maxInputPixels });
}

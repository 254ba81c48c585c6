/**
 * Intake checks for uploaded bytes, before anything is stored: type sniffed from the bytes (file-type),
 * dimensions read from the header (sharp metadata, no decoding), then one small full decode that catches
 * truncated or corrupt files whose header is fine.
 */
import sharp from 'sharp';
import { fileTypeFromBuffer } from 'file-type';
import type { Config } from '../config.js';
import { findLimitViolation, type SizeLimits } from '../domain/media-rules.js';
import { AppError } from '../errors.js';
import { deadlineIn, isSharpTimeout, MediaTimeoutError, withinDeadline } from './sharp-settings.js';

/** Accepted image types, keyed by the MIME type file-type detects, with the format name sharp reports. */
export const ACCEPTED_TYPES = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'heif', // libvips reads AVIF through libheif and calls it "heif"
} as const;
export type AcceptedMimeType = keyof typeof ACCEPTED_TYPES;

export interface IntakeLimits extends SizeLimits {
  /** A decode that takes longer than this fails, in ms. */
  timeoutMs: number;
}

/** The intake limits as configured: MAX_INPUT_PIXELS, MAX_INPUT_SIDE, MAX_FRAMES, JOB_TIMEOUT_MS. */
export function intakeLimitsFrom(
  config: Pick<Config, 'MAX_INPUT_PIXELS' | 'MAX_INPUT_SIDE' | 'MAX_FRAMES' | 'JOB_TIMEOUT_MS'>,
): IntakeLimits {
  return {
    maxInputPixels: config.MAX_INPUT_PIXELS,
    maxInputSide: config.MAX_INPUT_SIDE,
    maxFrames: config.MAX_FRAMES,
    timeoutMs: config.JOB_TIMEOUT_MS,
  };
}

export interface InspectedImage {
  mimeType: AcceptedMimeType;
  /** sharp's format name: jpeg, png, webp, gif or heif. */
  format: string;
  /** Display width in pixels, after EXIF orientation. */
  width: number;
  /** Display height in pixels, after EXIF orientation. */
  height: number;
  frames: number;
  hasAlpha: boolean;
}

function isAccepted(mime: string): mime is AcceptedMimeType {
  return Object.hasOwn(ACCEPTED_TYPES, mime);
}

/**
 * Checks uploaded bytes and describes the image.
 * @param options.verifyDecode false leaves out the small decode of every frame: for a caller that decodes every
 *   frame with failOn 'warning' itself right after (makeDerivatives), where it would only repeat that work
 * @throws AppError 400 `empty_file`; 415 `unsupported_media_type` (detected type named in the message);
 *   422 `image_too_large` (dimensions named) over MAX_INPUT_PIXELS or MAX_INPUT_SIDE; 422 `too_many_frames`
 *   over MAX_FRAMES; 422 `image_corrupt` for a damaged or truncated file; 422 `processing_timeout` when the
 *   check takes longer than `limits.timeoutMs` (a slow file, not a corrupt one)
 */
export async function inspectImage(bytes: Buffer, limits: IntakeLimits, options: { verifyDecode?: boolean } = {}): Promise<InspectedImage> {
  if (bytes.length === 0) throw new AppError({ code: 'empty_file', message: 'the file is empty' });
  const sniffed = await fileTypeFromBuffer(bytes);
  if (!sniffed || !isAccepted(sniffed.mime)) {
    const detected = sniffed ? sniffed.mime : 'unknown';
    throw new AppError({
      code: 'unsupported_media_type',
      message: `not a supported image (detected: ${detected}); accepted: JPEG, PNG, WebP, GIF, AVIF`,
    });
  }
  const header = await readHeader(bytes);
  if (header.format !== ACCEPTED_TYPES[sniffed.mime]) {
    throw new AppError({
      code: 'unsupported_media_type',
      message: `the file's bytes say ${sniffed.mime} but it decodes as ${header.format ?? 'nothing'}`,
    });
  }
  const frames = header.pages ?? 1;
  const violation = findLimitViolation({ width: header.width, height: header.height, frames }, limits);
  if (violation) {
    throw new AppError({
      code: violation.code,
      message: violation.message,
      details: { width: header.width, height: header.height, frames },
    });
  }
  if (options.verifyDecode !== false) await verifyDecodes(bytes, limits);
  const display = header.autoOrient ?? { width: header.width, height: header.height };
  return {
    mimeType: sniffed.mime,
    format: header.format,
    width: display.width,
    height: display.height,
    frames,
    hasAlpha: header.hasAlpha,
  };
}

function corrupt(cause: unknown): AppError {
  const detail = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  return new AppError({ code: 'image_corrupt', message: `image is corrupt or truncated (${detail})` });
}

/** Header only: safe with the pixel limit off because nothing is decoded. */
async function readHeader(bytes: Buffer) {
  try {
    return await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw corrupt(error);
  }
}

/**
 * Decodes every frame at a small size with failOn 'warning', which rejects files libvips would otherwise
 * pad with grey or black (a truncated JPEG or PNG whose header is intact). Shrink-on-load keeps this cheap.
 */
async function verifyDecodes(bytes: Buffer, limits: IntakeLimits): Promise<void> {
  try {
    const decode = sharp(bytes, { failOn: 'warning', limitInputPixels: limits.maxInputPixels, pages: -1 })
      .resize(64, 64, { fit: 'inside' })
      .raw()
      .timeout({ seconds: Math.max(1, Math.ceil(limits.timeoutMs / 1000)) })
      .toBuffer();
    await withinDeadline(deadlineIn(limits.timeoutMs), decode);
  } catch (error) {
    if (error instanceof MediaTimeoutError || isSharpTimeout(error)) throw processingTimeout(limits.timeoutMs);
    throw corrupt(error);
  }
}

/** 422 `processing_timeout`: the file took longer than the budget; the bytes may well be fine. */
export function processingTimeout(budgetMs: number): AppError {
  return new AppError({
    code: 'processing_timeout',
    message: `the image took longer than ${budgetMs} ms to process (JOB_TIMEOUT_MS); it is not known to be corrupt`,
  });
}

/** True for a failure that is about time, not the file: a larger budget may succeed. */
export function isProcessingTimeout(error: unknown): boolean {
  return error instanceof MediaTimeoutError || isSharpTimeout(error) || (error instanceof AppError && error.code === 'processing_timeout');
}

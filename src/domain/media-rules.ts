/**
 * Rules about image sizes and derivative formats: intake limits, the served format, the contact-sheet grid.
 * Pure functions with no I/O; src/media applies them with sharp.
 */

/** The intake limits, all read from the header before any decoding. */
export interface SizeLimits {
  /** Largest width × height × frames, in pixels (MAX_INPUT_PIXELS). */
  maxInputPixels: number;
  /** Largest width or height, in pixels (MAX_INPUT_SIDE). */
  maxInputSide: number;
  /** Most frames of an animation (MAX_FRAMES). */
  maxFrames: number;
}

/** Why an image is refused for its size: the machine-readable code and a message naming the numbers. */
export interface LimitViolation {
  code: 'image_too_large' | 'too_many_frames';
  message: string;
}

/**
 * Checks stored dimensions and frame count against the limits, frames first (an animation's pixel count
 * grows with its frames, and "too many frames" is the more useful answer).
 * @param size width and height in pixels as stored (before EXIF rotation, which does not change the area)
 * @returns null when the image is within every limit, else the first violation
 */
export function findLimitViolation(size: { width: number; height: number; frames: number }, limits: SizeLimits): LimitViolation | null {
  const { width, height, frames } = size;
  if (frames > limits.maxFrames) {
    return { code: 'too_many_frames', message: `too many frames: ${frames} is over ${limits.maxFrames}` };
  }
  if (width > limits.maxInputSide || height > limits.maxInputSide) {
    return { code: 'image_too_large', message: `image too large: ${width}x${height} has a side over ${limits.maxInputSide} pixels` };
  }
  if (width * height * frames > limits.maxInputPixels) {
    const framesText = frames > 1 ? ` x ${frames} frames` : '';
    return { code: 'image_too_large', message: `image too large: ${width}x${height}${framesText} is over ${limits.maxInputPixels} pixels` };
  }
  return null;
}

/** Formats of the served ("display") derivative. */
export type DisplayFormat = 'jpeg' | 'webp';

/**
 * The served derivative's format: WebP when the image is animated or has an alpha channel (WebP keeps
 * both, and every current browser shows it), else JPEG (fast to encode, and what photos already are).
 */
export function displayFormatFor(image: { frames: number; hasAlpha: boolean }): DisplayFormat {
  return image.frames > 1 || image.hasAlpha ? 'webp' : 'jpeg';
}

/** MIME type of each display format, sent as the served Content-Type. */
export const DISPLAY_MIME_TYPES: Record<DisplayFormat, string> = { jpeg: 'image/jpeg', webp: 'image/webp' };

/**
 * Lays `frames` tiles out in a near-square grid, filled row by row: ceil(√frames) columns.
 * @returns columns and rows; 1×1 for a still image
 */
export function contactSheetGrid(frames: number): { columns: number; rows: number } {
  const count = Math.max(1, Math.floor(frames));
  const columns = Math.ceil(Math.sqrt(count));
  return { columns, rows: Math.ceil(count / columns) };
}

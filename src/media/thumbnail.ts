/**
 * Derivatives made with sharp: the public thumbnail and the placeholder served for blocked images.
 */
import sharp from 'sharp';

/** Longest side of a thumbnail, in pixels. */
export const THUMBNAIL_SIZE = 320;

export interface Thumbnail {
  /** WebP bytes. */
  bytes: Buffer;
  width: number;
  height: number;
}

/**
 * Makes the thumbnail: EXIF orientation applied, converted to sRGB, fits in 320×320 without enlarging,
 * first frame of an animation, WebP (keeps transparency), no metadata (sharp strips EXIF/GPS by default).
 * @param options.maxInputPixels the intake pixel limit, so a file that slipped past intake is not decoded
 * @param options.timeoutMs the job fails after this long instead of stalling the queue
 * @throws sharp's Error for an undecodable, corrupt or truncated file, or on timeout
 */
export async function makeThumbnail(
  original: Buffer,
  options: { maxInputPixels: number; timeoutMs: number },
): Promise<Thumbnail> {
  const { data, info } = await sharp(original, { failOn: 'warning', limitInputPixels: options.maxInputPixels })
    .rotate()
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 })
    .timeout({ seconds: Math.max(1, Math.ceil(options.timeoutMs / 1000)) })
    .toBuffer({ resolveWithObject: true });
  return { bytes: data, width: info.width, height: info.height };
}

/** What the worker records about an original: sharp's format name, display size after EXIF orientation, frames. */
export interface SourceInfo {
  format: string;
  width: number;
  height: number;
  frames: number;
}

/**
 * Reads the original's header and makes its thumbnail.
 * @throws sharp's Error when the original cannot be decoded (see makeThumbnail)
 */
export async function makeDerivatives(
  original: Buffer,
  options: { maxInputPixels: number; timeoutMs: number },
): Promise<{ source: SourceInfo; thumbnail: Thumbnail }> {
  const header = await sharp(original, { limitInputPixels: options.maxInputPixels }).metadata();
  const display = header.autoOrient ?? { width: header.width, height: header.height };
  const thumbnail = await makeThumbnail(original, options);
  return { source: { format: header.format, width: display.width, height: display.height, frames: header.pages ?? 1 }, thumbnail };
}

let placeholder: Promise<Buffer> | undefined;

/**
 * The neutral "image blocked" placeholder: a 320×240 grey WebP with a crossed-out circle, drawn from SVG
 * (no fonts needed). Made once per process.
 */
export function blockedPlaceholder(): Promise<Buffer> {
  placeholder ??= sharp(
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240">
        <rect width="320" height="240" fill="#d9d9d9"/>
        <circle cx="160" cy="120" r="48" fill="none" stroke="#8c8c8c" stroke-width="10"/>
        <line x1="126" y1="86" x2="194" y2="154" stroke="#8c8c8c" stroke-width="10"/>
      </svg>`,
    ),
  )
    .webp({ quality: 80 })
    .toBuffer();
  return placeholder;
}

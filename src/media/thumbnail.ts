/**
 * The public thumbnail and the placeholder served for blocked images, made with sharp.
 */
import sharp from 'sharp';
import { openImage, remainingTimeout, type Deadline, type ImageSource } from './sharp-settings.js';

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
 * WebP (keeps transparency), no metadata. Policy for animations: the thumbnail is the first frame, a still;
 * the moderator's review derivative shows every frame (see makeReviewImage).
 * @param options.maxInputPixels the intake pixel limit, so a file that slipped past intake is not decoded
 * @throws sharp's Error for an undecodable, corrupt or truncated file, or on timeout
 */
export async function makeThumbnail(original: ImageSource, options: { maxInputPixels: number; deadline: Deadline }): Promise<Thumbnail> {
  const { data, info } = await openImage(original, { maxInputPixels: options.maxInputPixels, animated: false })
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 })
    .timeout(remainingTimeout(options.deadline))
    .toBuffer({ resolveWithObject: true });
  return { bytes: data, width: info.width, height: info.height };
}

/**
 * Makes the neutral "image blocked" placeholder: a 320×240 grey WebP with a crossed-out circle, drawn from SVG
 * (no fonts needed).
 */
export function makeBlockedPlaceholder(): Promise<Buffer> {
  return sharp(
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
}

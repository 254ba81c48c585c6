/** The reviewer-safe preview: strong blur and greyscale, so a moderator sees the gist without the detail. */
import sharp from 'sharp';
import { THUMBNAIL_SIZE } from './thumbnail.js';

/** Gaussian blur sigma in pixels at 320 px: shapes and layout stay readable, faces and text do not. */
const REVIEW_BLUR_SIGMA = 12;

/**
 * Makes the blurred greyscale preview (WebP, fits 320×320, EXIF orientation applied, first frame).
 * @throws sharp's Error when the bytes cannot be decoded
 */
export async function makeReviewPreview(bytes: Buffer, options: { maxInputPixels: number; timeoutMs: number }): Promise<Buffer> {
  return sharp(bytes, { limitInputPixels: options.maxInputPixels })
    .rotate()
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
    .greyscale()
    .blur(REVIEW_BLUR_SIGMA)
    .webp({ quality: 70 })
    .timeout({ seconds: Math.max(1, Math.ceil(options.timeoutMs / 1000)) })
    .toBuffer();
}

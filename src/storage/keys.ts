/**
 * Where each stored object of an image lives: the one place storage keys are built. Keys are relative paths;
 * LocalStorage puts them under DATA_DIR, S3Storage uses them as object keys in S3_BUCKET.
 */

/** The uploaded bytes as received (kept for moderators, never served): `originals/<id>`. */
export function originalKey(imageId: string): string {
  return `originals/${imageId}`;
}

/** The served image, re-encoded: `display/<id>.<jpeg|webp>`. */
export function displayKey(imageId: string, format: 'jpeg' | 'webp'): string {
  return `display/${imageId}.${format}`;
}

/** The served thumbnail: `thumbnails/<id>.webp`. */
export function thumbnailKey(imageId: string): string {
  return `thumbnails/${imageId}.webp`;
}

/** The blurred greyscale image moderators see first: `review/<id>.webp`. */
export function reviewKey(imageId: string): string {
  return `review/${imageId}.webp`;
}

/** The neutral picture served for every blocked image, made once. */
export const BLOCKED_PLACEHOLDER_KEY = 'placeholders/blocked.webp';

/**
 * Computes an image's 64-bit pHash with sharp; the hash itself is src/domain/perceptual-hash.ts. The service
 * matches on PDQ (src/media/pdq.ts) since measurement retired pHash; this stays for `npm run bench:phash`,
 * which compares the two.
 */
import sharp from 'sharp';
import { HASH_INPUT_SIDE, perceptualHash } from '../domain/perceptual-hash.js';
import { inputOptions, remainingTimeout, type Deadline } from './sharp-settings.js';

/**
 * The 64-bit pHash of the picture as displayed: EXIF orientation applied, first frame of an animation,
 * transparency flattened onto white, greyscale, squashed to 32×32 (aspect ignored, as pHash.org does).
 * @returns the hash, or null for a picture with too little structure to hash reliably (see perceptualHash)
 * @throws sharp's Error for an undecodable file or on timeout
 */
export async function computePerceptualHash(
  original: Buffer,
  options: { maxInputPixels: number; deadline: Deadline },
): Promise<bigint | null> {
  const pixels = await sharp(original, inputOptions({ maxInputPixels: options.maxInputPixels, animated: false }))
    .flatten({ background: '#ffffff' })
    .resize(HASH_INPUT_SIDE, HASH_INPUT_SIDE, { fit: 'fill' })
    .toColourspace('b-w')
    .raw()
    .timeout(remainingTimeout(options.deadline))
    .toBuffer();
  return perceptualHash(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.length));
}

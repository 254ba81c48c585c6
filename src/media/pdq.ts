/**
 * Computes a picture's PDQ hashes with sharp: the picture in its eight orientations, and a ladder of crops.
 * The hash itself is src/domain/pdq.ts; which crops, src/domain/pdq-matching.ts.
 */
import type { Sharp } from 'sharp';
import {
  enlargeLuma,
  lumaFromPixels,
  orientedView,
  ORIENTATIONS,
  PDQ_MIN_QUALITY,
  pdqHash,
  pdqHashOfView,
  type Orientation,
  type PdqHash,
} from '../domain/pdq.js';
import { CROP_NAMES, CROPS, cropView, type CropName } from '../domain/pdq-matching.js';
import { openImage, remainingTimeout, type Deadline, type ImageSource } from './sharp-settings.js';

/**
 * The longest side PDQ sees, in pixels. The reference implementation hashes what it reads after shrinking
 * it to fit 512×512 (pdq/python, `img.thumbnail((512, 512))`); doing the same keeps our hashes within 0–2 bits
 * of the reference vectors (at full resolution: up to 12) and the tent filter cheap.
 */
export const PDQ_INPUT_SIDE = 512;

interface HashOptions {
  maxInputPixels: number;
  deadline: Deadline;
}

/** A picture's PDQ hashes. */
export interface PdqHashes {
  /** PDQ's quality score of the picture as displayed, 0–100 (below 50: too plain to match on). */
  quality: number;
  /** The hash as the reference implementation computes it (computePdq): the one exchanged with other systems. */
  reference: PdqHash;
  /**
   * The hash of the picture as displayed (`original`) and in each other orientation, moved pixel by pixel, at
   * PDQ_INPUT_SIDE on its longest side: a picture under 512 px is enlarged first (enlargeLuma), so that its
   * copies at other sizes are hashed alike (the tent filter follows the pixel size). For larger pictures
   * `original` is `reference`.
   */
  oriented: Record<Orientation, PdqHash>;
  /** The hash of each crop of the picture as displayed (CROPS), except crops of quality below PDQ_MIN_QUALITY. */
  crops: Partial<Record<CropName, PdqHash>>;
}

/** The picture as displayed: EXIF orientation applied, first frame, transparency on white, sRGB. */
function displayed(original: ImageSource, options: HashOptions): Sharp {
  return openImage(original, { maxInputPixels: options.maxInputPixels, animated: false })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb');
}

async function lumaOf(image: Sharp, deadline: Deadline): Promise<{ luma: Float32Array; width: number; height: number }> {
  const { data, info } = await image
    .resize(PDQ_INPUT_SIDE, PDQ_INPUT_SIDE, { fit: 'inside', withoutEnlargement: true })
    .raw()
    .timeout(remainingTimeout(deadline))
    .toBuffer({ resolveWithObject: true });
  return { luma: lumaFromPixels(new Uint8Array(data.buffer, data.byteOffset, data.length), info), width: info.width, height: info.height };
}

/**
 * The PDQ hash and quality of the picture as displayed, as the reference implementation computes it.
 * @throws sharp's Error for an undecodable file or on timeout
 */
export async function computePdq(
  original: ImageSource,
  options: HashOptions,
): Promise<{ hash: PdqHash; quality: number; luma: Float32Array; width: number; height: number }> {
  const { luma, width, height } = await lumaOf(displayed(original, options), options.deadline);
  return { ...pdqHash(luma, { width, height }), luma, width, height };
}

/**
 * Every PDQ hash imgmod keeps of a picture: as the reference computes it, in its eight orientations (so a
 * mirrored or rotated copy matches) and of each crop (so a cropped or captioned copy matches), the last two at
 * 512 px (PdqHashes.oriented). The 26 hashes after the first take about 10–15 ms together (views of one luminance
 * buffer, no copies; the tent filter computed only where it is sampled).
 * @throws sharp's Error for an undecodable file or on timeout
 */
export async function computePdqHashes(original: ImageSource, options: HashOptions): Promise<PdqHashes> {
  const reference = await computePdq(original, options);
  const { luma, width, height } = enlargeLuma(reference.luma, reference, PDQ_INPUT_SIDE);
  const oriented = Object.fromEntries(
    ORIENTATIONS.map((orientation) => {
      // Not enlarged, the picture as displayed is what `reference` already hashed.
      if (orientation === 'original' && luma === reference.luma) return [orientation, reference.hash];
      return [orientation, pdqHashOfView(orientedView(luma, { width, height }, orientation)).hash];
    }),
  ) as Record<Orientation, PdqHash>;
  return { quality: reference.quality, reference: reference.hash, oriented, crops: cropHashes(luma, { width, height }) };
}

/** The hashes of the crops (CROPS), cut from the luminance PDQ already has, of quality ≥ PDQ_MIN_QUALITY. */
function cropHashes(luma: Float32Array, size: { width: number; height: number }): Partial<Record<CropName, PdqHash>> {
  const out: Partial<Record<CropName, PdqHash>> = {};
  for (const name of CROP_NAMES) {
    const { hash, quality } = pdqHashOfView(cropView(luma, size, CROPS[name]));
    if (quality >= PDQ_MIN_QUALITY) out[name] = hash;
  }
  return out;
}

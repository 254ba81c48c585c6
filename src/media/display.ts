/**
 * The served ("display") derivative: what `/i/:id` answers instead of the uploaded bytes, so a polyglot,
 * an EXIF block or a GPS position never leaves the server.
 */
import { DISPLAY_MIME_TYPES, displayFormatFor, type DisplayFormat } from '../domain/media-rules.js';
import { openImage, remainingTimeout, type Deadline, type ImageSource } from './sharp-settings.js';

/** JPEG/WebP quality of the served image: visually lossless for photos at about a third of q100's size. */
const DISPLAY_QUALITY = 85;

export interface DisplayImage {
  bytes: Buffer;
  format: DisplayFormat;
  mimeType: string;
}

/**
 * Re-encodes the original at its full size: EXIF orientation applied to the pixels, colours converted to
 * sRGB (CMYK, Display P3, 16-bit all end as 8-bit sRGB), every metadata block stripped (sharp's default
 * output keeps no EXIF, XMP, IPTC or ICC), every frame of an animation kept with its delays and loop count.
 * JPEG for opaque stills, WebP for animations and transparency (see displayFormatFor).
 * @param image.frames and image.hasAlpha as intake read them from the header
 * @throws sharp's Error for an undecodable file or on timeout
 */
export async function makeDisplayImage(
  original: ImageSource,
  image: { frames: number; hasAlpha: boolean; maxInputPixels: number; deadline: Deadline },
): Promise<DisplayImage> {
  const format = displayFormatFor(image);
  const pipeline = openImage(original, { maxInputPixels: image.maxInputPixels, animated: image.frames > 1 });
  const encoded = format === 'webp' ? pipeline.webp({ quality: DISPLAY_QUALITY }) : pipeline.jpeg({ quality: DISPLAY_QUALITY });
  const bytes = await encoded.timeout(remainingTimeout(image.deadline)).toBuffer();
  return { bytes, format, mimeType: DISPLAY_MIME_TYPES[format] };
}

/**
 * Distinct test pictures made on the fly: a grid of random colour blocks from a seeded generator, so two
 * seeds give pictures whose perceptual hashes are far apart (never near-duplicates of each other).
 */
import sharp from 'sharp';

/** A 320×240 JPEG of 16×12 random colour blocks; the same seed always gives the same bytes. */
export async function distinctPicture(seed: number): Promise<Buffer> {
  let state = (seed * 2_654_435_761) >>> 0 || 1;
  const next = () => {
    // xorshift32: small, deterministic, good enough to make unrelated pictures
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) & 0xff;
  };
  const pixels = Buffer.alloc(16 * 12 * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = next();
  return sharp(pixels, { raw: { width: 16, height: 12, channels: 3 } })
    .resize(320, 240, { kernel: 'nearest' })
    .jpeg({ quality: 90 })
    .toBuffer();
}

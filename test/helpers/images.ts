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

/**
 * A valid animated GIF that is slow to process: `frames` frames of side × side gradients that shift each frame
 * (every frame is decoded, resized and re-encoded). 100 frames of 256 px take about a second of imgmod's sharp work (and half a second to make).
 */
export async function slowAnimation(options: { side?: number; frames?: number } = {}): Promise<Buffer> {
  const side = options.side ?? 256;
  const frames = options.frames ?? 100;
  const raw = Buffer.alloc(side * side * frames * 3);
  for (let f = 0; f < frames; f++) {
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const i = ((f * side + y) * side + x) * 3;
        raw[i] = ((x >> 4) * 16 + f * 8) & 0xf0;
        raw[i + 1] = ((y >> 4) * 16) & 0xf0;
        raw[i + 2] = (((x ^ y) >> 5) * 32) & 0xe0;
      }
    }
  }
  return (
    sharp(raw, { raw: { width: side, height: side * frames, channels: 3, pageHeight: side } })
      // One palette for every frame (reuse) keeps making it fast; it is the reading that is slow.
      .gif({ reuse: true, effort: 1, dither: 0, colours: 64, delay: Array.from({ length: frames }, () => 40), loop: 0 })
      .toBuffer()
  );
}

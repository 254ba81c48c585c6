import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { loadConfig } from '../../src/config.js';
import { ORIENTATIONS, pdqDistance } from '../../src/domain/pdq.js';
import { makeDerivatives } from '../../src/media/derivatives.js';
import { inspectImage, intakeLimitsFrom } from '../../src/media/inspect.js';
import { CONTACT_GAP, CONTACT_TILE_SIZE, makeReviewImage } from '../../src/media/review.js';
import { deadlineIn, MediaTimeoutError, remainingTimeout } from '../../src/media/sharp-settings.js';
import { makeDisplayImage } from '../../src/media/display.js';
import { computePdqHashes } from '../../src/media/pdq.js';
import { makeThumbnail } from '../../src/media/thumbnail.js';
import { fixture } from '../helpers/test-service.js';

const limits = intakeLimitsFrom(loadConfig({}));
const derive = async (name: string) => makeDerivatives(await fixture(name), limits);

/** The RGB(A) values of one pixel of an encoded image. */
async function pixelAt(bytes: Buffer, left: number, top: number): Promise<number[]> {
  return [...(await sharp(bytes).extract({ left, top, width: 1, height: 1 }).raw().toBuffer())];
}
/** Mean of the raw bytes of a region (one grey channel's mean for a greyscale image). */
async function regionMean(bytes: Buffer, region: { left: number; top: number; width: number; height: number }): Promise<number> {
  const raw = await sharp(bytes).extract(region).greyscale().raw().toBuffer();
  return raw.reduce((sum, value) => sum + value, 0) / raw.length;
}
/** Mean absolute difference between horizontal neighbours, in grey levels: how much fine detail is left. */
async function detail(bytes: Buffer): Promise<number> {
  const { data, info } = await sharp(bytes).greyscale().raw().toBuffer({ resolveWithObject: true });
  let sum = 0;
  for (let i = 1; i < data.length; i++) if (i % info.width !== 0) sum += Math.abs(data[i]! - data[i - 1]!);
  return sum / data.length;
}
const near = (actual: number[], expected: number[], tolerance: number) =>
  expected.every((value, i) => Math.abs(actual[i]! - value) <= tolerance);

describe('display derivative', () => {
  it('when the photo carries EXIF orientation 6, then it is served upright as a 300×400 portrait with no tag left', async () => {
    const { display, source } = await derive('synthetic/exif-orientation-6.jpg');
    const meta = await sharp(display.bytes).metadata();
    expect([source.width, source.height, meta.width, meta.height]).toEqual([300, 400, 300, 400]);
    expect(meta.orientation).toBeUndefined();
    // The red band is on top once rotated.
    expect(near(await pixelAt(display.bytes, 150, 10), [255, 0, 0], 60)).toBe(true);
  });

  it('when the photo is CMYK without a profile, then it is served as sRGB with a blue sky, not inverted', async () => {
    const { display } = await derive('synthetic/cmyk.jpg');
    const meta = await sharp(display.bytes).metadata();
    expect([meta.space, meta.channels]).toEqual(['srgb', 3]);
    const [r, , b] = await pixelAt(display.bytes, 400, 20);
    expect(b! > r! && b! > 150).toBe(true);
  });

  it('when the photo is in Display P3, then it is converted to sRGB (saturated red stays near 255,0,0)', async () => {
    const { display } = await derive('synthetic/icc-p3.jpg');
    expect(near(await pixelAt(display.bytes, 50, 50), [255, 0, 0], 30)).toBe(true);
  });

  it('when the PNG has 16 bits per channel, then the served image is 8-bit and keeps the gradient', async () => {
    const { display } = await derive('synthetic/png16.png');
    const meta = await sharp(display.bytes).metadata();
    expect([meta.format, meta.depth]).toEqual(['jpeg', 'uchar']);
    const stats = await sharp(display.bytes).stats();
    expect(stats.channels[0]!.max - stats.channels[0]!.min).toBeGreaterThan(100); // not clipped to one value
  });

  it('when the image is transparent, then the served image is WebP and keeps its transparency', async () => {
    const { display } = await derive('synthetic/transparent.png');
    expect(display.mimeType).toBe('image/webp');
    expect((await pixelAt(display.bytes, 2, 2))[3]).toBe(0);
  });

  it('when the JPEG carries a 60 KB EXIF block with GPS, then no served byte carries EXIF, GPS or the description', async () => {
    const original = await fixture('synthetic/huge-exif.jpg');
    expect((await sharp(original).metadata()).exif?.length).toBeGreaterThan(60_000);
    const { display, thumbnail, review } = await makeDerivatives(original, limits);
    for (const bytes of [display.bytes, thumbnail.bytes, review]) {
      const meta = await sharp(bytes).metadata();
      expect([meta.exif, meta.xmp, meta.iptc, meta.icc]).toEqual([undefined, undefined, undefined, undefined]);
      expect(bytes.includes('Exif')).toBe(false);
      expect(bytes.includes('GPS')).toBe(false);
      expect(bytes.length).toBeLessThan(original.length);
    }
  });

  it.each(['synthetic/animated.gif', 'synthetic/animated.webp'])(
    'when %s has 4 frames, then 4 frames are recorded and the served WebP keeps all 4 with their delays',
    async (name) => {
      const { display, source } = await derive(name);
      expect(source.frames).toBe(4);
      const meta = await sharp(display.bytes).metadata();
      expect([display.mimeType, meta.pages, meta.delay]).toEqual(['image/webp', 4, [500, 500, 500, 500]]);
    },
  );
});

describe('thumbnail', () => {
  it('when the image is 1×1, then the thumbnail stays 1×1 (never enlarged)', async () => {
    const { thumbnail } = await derive('synthetic/tiny-1x1.png');
    expect([thumbnail.width, thumbnail.height]).toEqual([1, 1]);
  });

  it('when the image is transparent, then the WebP thumbnail keeps its alpha channel', async () => {
    const { thumbnail } = await derive('real/full-transparent.png');
    expect((await sharp(thumbnail.bytes).metadata()).hasAlpha).toBe(true);
  });
});

describe('review derivative', () => {
  it('when the image is a still, then it is greyscale within 320×320 with far less detail than the thumbnail', async () => {
    const { review, thumbnail } = await derive('real/2569067123_aca715a2ee_o.jpg');
    const meta = await sharp(review).metadata();
    expect(Math.max(meta.width, meta.height)).toBe(320);
    const stats = await sharp(review).stats();
    expect(stats.isOpaque).toBe(true);
    const [r, g, b] = stats.channels.map((channel) => channel.mean);
    expect(Math.abs(r! - g!) + Math.abs(g! - b!)).toBeLessThan(1); // greyscale
    expect(await detail(review)).toBeLessThan((await detail(thumbnail.bytes)) / 4);
  });

  it('when the animation has 4 frames, then the contact sheet shows all 4 and the red 4th frame differs from the blue 1st', async () => {
    const { review } = await derive('synthetic/animated.gif');
    const meta = await sharp(review).metadata();
    const cell = CONTACT_TILE_SIZE + CONTACT_GAP;
    expect([meta.width, meta.height]).toEqual([2 * cell + CONTACT_GAP, 2 * cell + CONTACT_GAP]);
    const tileMean = (column: number, row: number) =>
      regionMean(review, {
        left: CONTACT_GAP + column * cell,
        top: CONTACT_GAP + row * cell,
        width: CONTACT_TILE_SIZE,
        height: CONTACT_TILE_SIZE,
      });
    const [first, second, third, fourth] = [await tileMean(0, 0), await tileMean(1, 0), await tileMean(0, 1), await tileMean(1, 1)];
    expect(Math.abs(first - second)).toBeLessThan(3);
    expect(Math.abs(first - third)).toBeLessThan(3);
    expect(Math.abs(fourth - first)).toBeGreaterThan(10); // red and blue are different greys
  });
});

describe('PDQ hash', () => {
  it('when a photo is resized, re-encoded and brightened, then its hash stays within PHASH_MATCH_DISTANCE; another photo is far', async () => {
    const original = await fixture('real/2569067123_aca715a2ee_o.jpg');
    const variant = await sharp(original).resize(1000).modulate({ brightness: 1.1 }).jpeg({ quality: 60 }).toBuffer();
    const [a, b, other] = await Promise.all(
      [original, variant, await fixture('real/concert.jpg')].map((bytes) => makeDerivatives(bytes, limits)),
    );
    const matchDistance = loadConfig({}).PHASH_MATCH_DISTANCE;
    expect(pdqDistance(a!.pdq.oriented.original, b!.pdq.oriented.original)).toBeLessThanOrEqual(matchDistance);
    expect(pdqDistance(a!.pdq.oriented.original, other!.pdq.oriented.original)).toBeGreaterThan(4 * matchDistance);
    expect([a!.pdq.quality, b!.pdq.quality]).toEqual([100, 100]);
  });
});

describe('decoding once', () => {
  /** The same derivatives made pipeline by pipeline from the bytes, as for a JPEG. */
  async function fromBytes(bytes: Buffer) {
    const common = { maxInputPixels: limits.maxInputPixels, deadline: deadlineIn(60_000) };
    const source = await inspectImage(bytes, limits);
    return {
      display: await makeDisplayImage(bytes, { ...common, frames: source.frames, hasAlpha: source.hasAlpha }),
      thumbnail: await makeThumbnail(bytes, common),
      review: await makeReviewImage(bytes, { ...common, frames: source.frames }),
      pdq: await computePdqHashes(bytes, common),
    };
  }

  it.each([
    ['a 12 MP JPEG', async () => fixture('real/2569067123_aca715a2ee_o.jpg')],
    ['a JPEG turned by its EXIF orientation', async () => fixture('real/Portrait_8.jpg')],
    ['a CMYK JPEG', async () => fixture('real/Channel_digital_image_CMYK_color.jpg')],
    [
      'a 16-bit PNG',
      async () =>
        sharp(await fixture('real/concert.jpg'))
          .toColourspace('rgb16')
          .png()
          .toBuffer(),
    ],
    [
      'an RGB PNG',
      async () =>
        sharp(await fixture('real/concert.jpg'))
          .png()
          .toBuffer(),
    ],
    [
      'a greyscale PNG',
      async () =>
        sharp(await fixture('real/concert.jpg'))
          .greyscale()
          .png()
          .toBuffer(),
    ],
    [
      'a PNG with transparency',
      async () =>
        sharp(await fixture('real/concert.jpg'))
          .ensureAlpha(0.5)
          .png()
          .toBuffer(),
    ],
    [
      'a WebP',
      async () =>
        sharp(await fixture('real/concert.jpg'))
          .rotate(90)
          .webp()
          .toBuffer(),
    ],
  ])(
    'when %s is decoded once for the display image and once at 512 px for the rest, then they are the ones its bytes give',
    async (_name, make) => {
      const bytes = await make();
      const once = await makeDerivatives(bytes, limits);
      const each = await fromBytes(bytes);
      expect(once.display.format).toBe(each.display.format);
      expect(await sharp(once.display.bytes).metadata()).toMatchObject({
        width: (await sharp(each.display.bytes).metadata()).width,
        height: (await sharp(each.display.bytes).metadata()).height,
      });
      expect([once.thumbnail.width, once.thumbnail.height]).toEqual([each.thumbnail.width, each.thumbnail.height]);
      expect(await sharp(once.review).metadata()).toMatchObject({
        width: (await sharp(each.review).metadata()).width,
        height: (await sharp(each.review).metadata()).height,
      });
      expect(
        Math.abs((await sharp(once.review).stats()).channels[0]!.mean - (await sharp(each.review).stats()).channels[0]!.mean),
      ).toBeLessThan(2);
      expect(pdqDistance(once.pdq.reference, each.pdq.reference)).toBeLessThanOrEqual(2);
      for (const orientation of ORIENTATIONS)
        expect(pdqDistance(once.pdq.oriented[orientation], each.pdq.oriented[orientation])).toBeLessThanOrEqual(2);
      expect(once.pdq.quality).toBe(each.pdq.quality);
    },
  );
});

describe('time budget', () => {
  it('when the deadline has passed, then the next pipeline is refused with MediaTimeoutError', () => {
    expect(() => remainingTimeout({ atMs: Date.now() - 1, budgetMs: 1000 })).toThrow(MediaTimeoutError);
    expect(remainingTimeout({ atMs: Date.now() + 2500, budgetMs: 3000 })).toEqual({ seconds: 3 });
  });
});

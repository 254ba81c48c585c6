import { describe, expect, it } from 'vitest';
import {
  copyView,
  enlargeLuma,
  lumaFromPixels,
  orientedView,
  orientLuma,
  ORIENTATIONS,
  pdqDihedralHashes,
  pdqDistance,
  pdqDownsample,
  pdqFromHex,
  pdqHash,
  pdqHashOfView,
  pdqToHex,
  wholeView,
} from '../../src/domain/pdq.js';
import { closestMatch, CROP_NAMES, CROPS, cropView, pdqChunks } from '../../src/domain/pdq-matching.js';

/** A w×h luminance image with detail at every scale, from a fixed generator. */
function texture(width: number, height: number, seed: number): Float32Array {
  let state = seed;
  const coarse = Array.from({ length: 64 }, () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state % 256;
  });
  return Float32Array.from({ length: width * height }, (_, i) => {
    const x = i % width;
    const y = Math.floor(i / width);
    return coarse[Math.floor((8 * y) / height) * 8 + Math.floor((8 * x) / width)]! * 0.8 + 25 * Math.sin(x / 7 + y / 11);
  });
}

describe('pdqDistance, pdqToHex and pdqFromHex', () => {
  it.each([
    ['0'.repeat(64), '0'.repeat(64), 0],
    ['0'.repeat(63) + '1', '0'.repeat(64), 1],
    ['f'.repeat(64), '0'.repeat(64), 256],
    ['8' + '0'.repeat(63), '0'.repeat(64), 1],
    ['F0'.repeat(32), '0f'.repeat(32), 256],
  ])('when the hashes are %s and %s, then %i bits differ', (a, b, bits) => {
    expect(pdqDistance(pdqFromHex(a)!, pdqFromHex(b)!)).toBe(bits);
  });

  it.each(['', 'abc', 'g'.repeat(64), '0'.repeat(65), ' ' + '0'.repeat(63)])('when the text is %j, then it is not a hash', (text) => {
    expect(pdqFromHex(text)).toBeNull();
  });

  it('when a hash is written and read back, then it is the same (lower case)', () => {
    const hex = 'E64CC9D91E623842F8D1F1D9A398E78C9F199A3BD87924F2B7E11E0BF061B064';
    expect(pdqToHex(pdqFromHex(hex)!)).toBe(hex.toLowerCase());
  });
});

describe('pdqHash', () => {
  it('when the picture is one flat colour, then its quality is 0; with detail, 100', () => {
    expect(pdqHash(new Float32Array(64 * 64).fill(128), { width: 64, height: 64 }).quality).toBe(0);
    expect(pdqHash(texture(200, 150, 1), { width: 200, height: 150 }).quality).toBe(100);
  });

  it('when the picture is under 5 pixels a side, then the hash is all zeros with quality 0 (as the reference)', () => {
    expect(pdqHash(new Float32Array(4 * 40).fill(1), { width: 4, height: 40 })).toEqual({ hash: new Uint8Array(32), quality: 0 });
  });

  it('when a picture is brightened, then its hash stays close; another picture is far', () => {
    const picture = texture(300, 200, 1);
    const { hash } = pdqHash(picture, { width: 300, height: 200 });
    const brighter = pdqHash(
      picture.map((v) => v + 12),
      { width: 300, height: 200 },
    ).hash;
    const other = pdqHash(texture(300, 200, 2), { width: 300, height: 200 }).hash;
    expect(pdqDistance(hash, brighter)).toBeLessThanOrEqual(4);
    expect(pdqDistance(hash, other)).toBeGreaterThan(64);
  });

  it('when the hash has exactly 128 bits set (the median splits the 256 coefficients), then it is balanced', () => {
    const { hash } = pdqHash(texture(300, 200, 3), { width: 300, height: 200 });
    expect(pdqDistance(hash, new Uint8Array(32))).toBe(128);
  });

  it('when the luminance does not fit the size, then it throws a RangeError', () => {
    expect(() => pdqHash(new Float32Array(10), { width: 5, height: 5 })).toThrow(RangeError);
    expect(() => lumaFromPixels(new Uint8Array(10), { width: 2, height: 2, channels: 3 })).toThrow(RangeError);
  });
});

/**
 * The reference's downsampling, literally: box1DFloat along every row, then every column, twice, each pixel
 * the running mean of its clipped window; then the pixel at the centre of each of the 64×64 cells.
 */
function referenceDownsample(luma: Float32Array, width: number, height: number): Float64Array {
  const box = (get: (i: number) => number, set: (i: number, v: number) => void, length: number, window: number) => {
    const half = Math.floor((window + 2) / 2);
    const values = Array.from({ length }, (_, i) => get(i));
    for (let p = 0; p < length; p++) {
      const from = Math.max(0, p - (window - half));
      const to = Math.min(length - 1, p + half - 1);
      let sum = 0;
      for (let r = from; r <= to; r++) sum += values[r]!;
      set(p, sum / (to - from + 1));
    }
  };
  const image = Float64Array.from(luma);
  const rowWindow = Math.floor((width + 127) / 128);
  const columnWindow = Math.floor((height + 127) / 128);
  for (let pass = 0; pass < 2; pass++) {
    for (let y = 0; y < height; y++)
      box(
        (x) => image[y * width + x]!,
        (x, v) => (image[y * width + x] = v),
        width,
        rowWindow,
      );
    for (let x = 0; x < width; x++)
      box(
        (y) => image[y * width + x]!,
        (y, v) => (image[y * width + x] = v),
        height,
        columnWindow,
      );
  }
  return Float64Array.from({ length: 64 * 64 }, (_, k) => {
    const y = Math.floor(((Math.floor(k / 64) + 0.5) * height) / 64);
    const x = Math.floor((((k % 64) + 0.5) * width) / 64);
    return image[y * width + x]!;
  });
}

describe('pdqDownsample', () => {
  it.each([
    [512, 384],
    [384, 512],
    [320, 320],
    [130, 700],
    [64, 64],
    [5, 9],
  ])(
    'when the picture is %i×%i, then the 64×64 image is the reference four box passes sampled (within float rounding)',
    (width, height) => {
      const picture = texture(width, height, 11);
      const ours = pdqDownsample(wholeView(picture, { width, height }));
      const reference = referenceDownsample(picture, width, height);
      expect(ours.reduce((worst, v, i) => Math.max(worst, Math.abs(v - reference[i]!)), 0)).toBeLessThan(1e-3);
    },
  );
});

describe('views', () => {
  // 512 × 384: even windows and an off-centre sampling grid, where a turned picture's hash is not the DCT identity's.
  const size = { width: 512, height: 384 };
  const picture = texture(512, 384, 9);

  it.each(ORIENTATIONS)(
    'when the picture is viewed turned to %s, then its hash is the hash of the pixels moved (0 bits)',
    (orientation) => {
      const view = orientedView(picture, size, orientation);
      const moved = orientLuma(picture, size, orientation);
      expect([view.width, view.height]).toEqual([moved.width, moved.height]);
      expect(pdqHashOfView(view)).toEqual(pdqHash(moved.luma, moved));
    },
  );

  it.each(CROP_NAMES)('when the picture is viewed cropped to %s, then its hash is the hash of the crop copied out (0 bits)', (name) => {
    const view = cropView(picture, size, CROPS[name]);
    const copied = copyView(view);
    expect(copied.luma[0]).toBe(picture[Math.round(CROPS[name].top * 384) * 512 + Math.round(CROPS[name].left * 512)]);
    expect(pdqHashOfView(view)).toEqual(pdqHash(copied.luma, copied));
  });

  it('when a view is turned pixel (x, y), then it reads the pixel the transform moved there', () => {
    const rect = { width: 3, height: 2 };
    const pixels = Float32Array.from([0, 1, 2, 3, 4, 5]);
    expect(Array.from(orientLuma(pixels, rect, 'flipY').luma)).toEqual([2, 1, 0, 5, 4, 3]);
    expect(Array.from(orientLuma(pixels, rect, 'flipX').luma)).toEqual([3, 4, 5, 0, 1, 2]);
    expect(Array.from(orientLuma(pixels, rect, 'flipPlus1').luma)).toEqual([0, 3, 1, 4, 2, 5]);
    expect(Array.from(orientLuma(pixels, rect, 'rotate180').luma)).toEqual([5, 4, 3, 2, 1, 0]);
  });
});

describe('dihedral hashes', () => {
  // 320 px a side: the tent filter's windows are odd and the 64×64 sampling grid is centred, so the
  // downsampling commutes with every flip and rotation and the DCT identities hold exactly.
  const size = { width: 320, height: 320 };
  const picture = texture(320, 320, 5);

  it.each(ORIENTATIONS)(
    'when the picture is turned to %s pixel by pixel, then its hash is the one derived from the DCT of the original',
    (orientation) => {
      const fromDct = pdqDihedralHashes(picture, size).hashes[orientation];
      const turned = orientLuma(picture, size, orientation);
      expect(pdqDistance(pdqHash(turned.luma, turned).hash, fromDct)).toBe(0);
    },
  );

  it.each(ORIENTATIONS)('when a picture is turned to %s and turned back, then it is the original (the group is closed)', (orientation) => {
    const rect = { width: 7, height: 5 };
    const pixels = Float32Array.from({ length: 35 }, (_, i) => i);
    const turned = orientLuma(pixels, rect, orientation);
    const back = ORIENTATIONS.map((inverse) => orientLuma(turned.luma, turned, inverse)).find(
      (undo) => undo.width === 7 && undo.luma.every((v, i) => v === i),
    );
    expect(back).toBeDefined();
  });
});

describe('enlargeLuma', () => {
  it.each(ORIENTATIONS)(
    'when a small picture is turned to %s and enlarged, then it is the enlarged picture turned (pixel for pixel)',
    (orientation) => {
      const size = { width: 37, height: 23 };
      const picture = texture(37, 23, 7);
      const a = enlargeLuma(orientLuma(picture, size, orientation).luma, orientLuma(picture, size, orientation), 512);
      const enlarged = enlargeLuma(picture, size, 512);
      const b = orientLuma(enlarged.luma, enlarged, orientation);
      expect([a.width, a.height]).toEqual([b.width, b.height]);
      expect(a.luma.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b.luma[i]!)), 0)).toBeLessThan(1e-3);
    },
  );

  it('when the picture is already 512 px on its longest side, then it is returned as it is; else its longest side becomes 512', () => {
    const large = texture(512, 300, 1);
    expect(enlargeLuma(large, { width: 512, height: 300 }, 512).luma).toBe(large);
    expect(enlargeLuma(texture(40, 20, 1), { width: 40, height: 20 }, 512)).toMatchObject({ width: 512, height: 256 });
  });
});

describe('matching', () => {
  it('when a hash is split into chunks, then chunk n is hex digits 4n to 4n+3', () => {
    const hex = Array.from({ length: 16 }, (_, n) => n.toString(16).padStart(4, '0')).join('');
    expect(pdqChunks(pdqFromHex(hex)!)).toEqual(Array.from({ length: 16 }, (_, n) => n));
  });

  it('when every crop of the ladder is listed, then each lies inside the picture and keeps at least 80% of a side', () => {
    expect(CROP_NAMES).toHaveLength(18);
    for (const crop of Object.values(CROPS)) {
      expect(crop.left).toBeGreaterThanOrEqual(0);
      expect(crop.right).toBeLessThanOrEqual(1);
      expect(crop.right - crop.left).toBeGreaterThanOrEqual(0.8);
      expect(crop.bottom - crop.top).toBeGreaterThanOrEqual(0.8);
    }
  });

  it('when several stored hashes are within the distance, then the closest is the match, with the kinds that met', () => {
    const zero = new Uint8Array(32);
    const one = pdqFromHex('0'.repeat(63) + '1')!;
    const three = pdqFromHex('0'.repeat(63) + '7')!;
    const stored = [
      { kind: 'original' as const, hash: three, ref: 'a' },
      { kind: 'cut-top-10' as const, hash: one, ref: 'b' },
    ];
    expect(closestMatch([{ kind: 'flipY', hash: zero }], stored, 4)).toEqual({
      ref: 'b',
      distance: 1,
      queryKind: 'flipY',
      storedKind: 'cut-top-10',
    });
    expect(closestMatch([{ kind: 'original', hash: zero }], stored, 0)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { hammingDistance, hashToInt8, isNearDuplicate, perceptualHash } from '../../src/domain/perceptual-hash.js';

/** A 32×32 grey image from a function of (x, y) → 0–255. */
function image(pixel: (x: number, y: number) => number): Uint8Array {
  return Uint8Array.from({ length: 1024 }, (_, i) => Math.max(0, Math.min(255, Math.round(pixel(i % 32, Math.floor(i / 32))))));
}
/** Deterministic pseudo-random structure (a fixed LCG), so the test image has detail at every frequency. */
function texture(seed: number): Uint8Array {
  let state = seed;
  return image(() => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state % 256;
  });
}

describe('hammingDistance', () => {
  it.each([
    [0n, 0n, 0],
    [0n, 1n, 1],
    [0b1011n, 0b0110n, 3],
    [0n, 2n ** 64n - 1n, 64],
    [-1n, 2n ** 64n - 1n, 0], // int8 -1 is the same 64 bits as 0xffff…ffff
    [0x8000_0000_0000_0000n, 0n, 1],
  ])('when the hashes are %s and %s, then %i bits differ', (a, b, bits) => {
    expect(hammingDistance(a, b)).toBe(bits);
  });
});

describe('isNearDuplicate', () => {
  it.each([
    [0, 8, true],
    [8, 8, true],
    [9, 8, false],
    [0, 0, true],
    [1, 0, false],
  ])('when the distance is %i and the limit %i, then the match is %s', (distance, limit, match) => {
    expect(isNearDuplicate(distance, limit)).toBe(match);
  });
});

describe('perceptualHash', () => {
  it('when the image is one flat colour or a smooth gradient, then there is no hash (too plain to match on)', () => {
    expect(perceptualHash(image(() => 128))).toBeNull();
    expect(perceptualHash(image((x) => x * 8))).toBeNull();
  });

  it('when the image has structure, then a small change keeps the hash close and another image is far', () => {
    const picture = texture(1);
    const hash = perceptualHash(picture)!;
    const brighter = perceptualHash(picture.map((value) => Math.min(255, value + 10)))!;
    const other = perceptualHash(texture(2))!;
    expect(hash).not.toBeNull();
    expect(hammingDistance(hash, brighter)).toBeLessThanOrEqual(4);
    expect(hammingDistance(hash, other)).toBeGreaterThan(16);
  });

  it('when the input is not 32×32 grey pixels, then it throws a RangeError', () => {
    expect(() => perceptualHash(new Uint8Array(100))).toThrow(RangeError);
  });
});

describe('hashToInt8', () => {
  it.each([
    [0n, '0'],
    [1n, '1'],
    [2n ** 63n - 1n, '9223372036854775807'],
    [2n ** 63n, '-9223372036854775808'],
    [2n ** 64n - 1n, '-1'],
  ])('when the hash is %s, then PostgreSQL gets the int8 %s (same 64 bits)', (hash, int8) => {
    expect(hashToInt8(hash)).toBe(int8);
  });
});

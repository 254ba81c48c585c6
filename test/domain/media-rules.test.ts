import { describe, expect, it } from 'vitest';
import { contactSheetGrid, displayFormatFor, findLimitViolation } from '../../src/domain/media-rules.js';

const limits = { maxInputPixels: 40_000_000, maxInputSide: 16_383, maxFrames: 100 };

describe('findLimitViolation', () => {
  it.each([
    { size: { width: 1600, height: 1200, frames: 1 }, code: null },
    { size: { width: 16_383, height: 2000, frames: 1 }, code: null },
    { size: { width: 16_384, height: 10, frames: 1 }, code: 'image_too_large' },
    { size: { width: 10, height: 16_384, frames: 1 }, code: 'image_too_large' },
    { size: { width: 50_000, height: 50_000, frames: 1 }, code: 'image_too_large' },
    { size: { width: 8000, height: 5000, frames: 1 }, code: null },
    { size: { width: 8000, height: 5001, frames: 1 }, code: 'image_too_large' },
    { size: { width: 1000, height: 1000, frames: 40 }, code: null },
    { size: { width: 1000, height: 1000, frames: 41 }, code: 'image_too_large' },
    { size: { width: 200, height: 200, frames: 100 }, code: null },
    { size: { width: 200, height: 200, frames: 101 }, code: 'too_many_frames' },
  ])('when the image is $size.width×$size.height×$size.frames, then the violation is $code', ({ size, code }) => {
    expect(findLimitViolation(size, limits)?.code ?? null).toBe(code);
  });

  it('when an image is refused, then the message names its dimensions and the limit', () => {
    expect(findLimitViolation({ width: 50_000, height: 50_000, frames: 1 }, limits)?.message).toBe(
      'image too large: 50000x50000 has a side over 16383 pixels',
    );
    expect(findLimitViolation({ width: 1000, height: 1000, frames: 41 }, limits)?.message).toBe(
      'image too large: 1000x1000 x 41 frames is over 40000000 pixels',
    );
  });
});

describe('displayFormatFor', () => {
  it.each([
    { frames: 1, hasAlpha: false, format: 'jpeg' },
    { frames: 1, hasAlpha: true, format: 'webp' },
    { frames: 4, hasAlpha: false, format: 'webp' },
    { frames: 4, hasAlpha: true, format: 'webp' },
  ])('when frames=$frames and alpha=$hasAlpha, then the served format is $format', ({ frames, hasAlpha, format }) => {
    expect(displayFormatFor({ frames, hasAlpha })).toBe(format);
  });
});

describe('contactSheetGrid', () => {
  it.each([
    [1, 1, 1],
    [2, 2, 1],
    [4, 2, 2],
    [5, 3, 2],
    [10, 4, 3],
    [100, 10, 10],
  ])('when there are %i frames, then the grid is %i columns × %i rows', (frames, columns, rows) => {
    expect(contactSheetGrid(frames)).toEqual({ columns, rows });
  });
});

import { describe, expect, it } from 'vitest';
import { parseDurationMs, parseRateLimits } from '../../src/domain/durations.js';

describe('parseDurationMs', () => {
  it.each([
    ['3s', 3_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['3d', 259_200_000],
    ['1.5h', 5_400_000],
    ['0s', null],
    ['10', null],
    ['1w', null],
    ['-1h', null],
  ])('when the text is "%s", then it is %s ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });
});

describe('parseRateLimits', () => {
  it.each([
    [
      '2/3s,20/1d',
      [
        { points: 2, durationSeconds: 3 },
        { points: 20, durationSeconds: 86_400 },
      ],
    ],
    [' 6/3s ', [{ points: 6, durationSeconds: 3 }]],
    ['none', []],
    ['2/1.5s', null],
    ['0/3s', null],
    ['two/3s', null],
    ['2', null],
    ['2/3s,', null],
  ])('when the text is "%s", then the limits are %j', (text, limits) => {
    expect(parseRateLimits(text)).toEqual(limits);
  });
});

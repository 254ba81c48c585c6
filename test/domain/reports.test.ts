import { describe, expect, it } from 'vitest';
import { IMAGE_STATUSES, type ImageStatus } from '../../src/domain/image-status.js';
import { scoreReports, shouldAutoBlock } from '../../src/domain/reports.js';

describe('scoreReports', () => {
  it('when there are no open reports, then the score is 0', () => {
    expect(scoreReports([])).toEqual({ score: 0, reports: 0, byReason: {} });
  });

  it('when reports have weights, then the score is their sum and reasons are counted', () => {
    const result = scoreReports([
      { reason: 'spam', weight: 1 },
      { reason: 'spam', weight: 0.5 },
      { reason: 'nudity', weight: 1 },
    ]);
    expect(result).toEqual({ score: 2.5, reports: 3, byReason: { spam: 2, nudity: 1 } });
  });

  it('when fractional weights add up, then floating-point error does not miss the threshold', () => {
    const { score } = scoreReports([
      { reason: 'other', weight: 0.1 },
      { reason: 'other', weight: 0.2 },
    ]);
    expect(score).toBe(0.3);
    expect(shouldAutoBlock({ status: 'visible', score, threshold: 0.3 })).toBe(true);
  });
});

describe('shouldAutoBlock', () => {
  const blockable: Record<ImageStatus, boolean> = {
    processing: true,
    visible: true,
    auto_blocked: false,
    blocked: false,
    removed: false,
    failed: false,
  };

  it.each(IMAGE_STATUSES.flatMap((status) => [
    { status, score: 2, expected: false },
    { status, score: 3, expected: blockable[status] },
    { status, score: 7.5, expected: blockable[status] },
  ]))('when status is $status and score $score of threshold 3, then auto-block is $expected', ({ status, score, expected }) => {
    expect(shouldAutoBlock({ status, score, threshold: 3 })).toBe(expected);
  });
});

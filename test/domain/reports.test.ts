import { describe, expect, it } from 'vitest';
import { scoreReports } from '../../src/domain/reports.js';

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
  });
});

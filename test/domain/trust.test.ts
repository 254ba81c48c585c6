import { describe, expect, it } from 'vitest';
import { discourseAccuracyBonus, isProven, isSuppressed, reportWeight, suppressedUntil, SUPPRESSION_MS } from '../../src/domain/trust.js';

// Hand-computed from Discourse's rule: bonus = ±distance × log4(n) × 5, rounded to 2 decimals;
// weight = clamp(1 + bonus / 5, 0, 2), or 0 when suppressed (n ≥ 10 and ≥ 25 % dismissed).
describe('reporter trust', () => {
  it.each([
    { upheld: 0, dismissed: 0, bonus: 0, weight: 1, why: 'no track record' },
    { upheld: 5, dismissed: 0, bonus: 0, weight: 1, why: '5 decided: no bonus yet (Discourse: more than 5)' },
    { upheld: 6, dismissed: 0, bonus: 6.46, weight: 2, why: '100 % of 6: 1 × log4(6)=1.292 × 5; weight 2.292 capped at 2' },
    { upheld: 6, dismissed: 2, bonus: 1.25, weight: 1.25, why: '75 % of 8: (0.05/0.3) × 1.5 × 5' },
    { upheld: 8, dismissed: 2, bonus: 2.77, weight: 1.554, why: '80 % of 10: (0.1/0.3) × 1.661 × 5 = 2.768' },
    { upheld: 12, dismissed: 3, bonus: 3.26, weight: 1.652, why: '80 % of 15: (0.1/0.3) × 1.953 × 5 = 3.256' },
    { upheld: 4, dismissed: 4, bonus: -2.14, weight: 0.572, why: '50 % of 8: −(0.2/0.7) × 1.5 × 5 = −2.143' },
    { upheld: 0, dismissed: 6, bonus: -6.46, weight: 0, why: '0 % of 6: −1 × 1.292 × 5; weight −0.292 floored at 0' },
    { upheld: 7, dismissed: 3, bonus: 0, weight: 0, why: '70 % of 10 is on the axis, but 30 % dismissed over 10 decided: suppressed' },
    { upheld: 30, dismissed: 10, bonus: 2.22, weight: 0, why: '75 % of 40 earns a bonus, but 25 % dismissed: suppressed' },
  ])(
    'when a reader has $upheld upheld and $dismissed dismissed, then the weight is $weight ($why)',
    ({ upheld, dismissed, bonus, weight }) => {
      expect(discourseAccuracyBonus({ upheld, dismissed })).toBeCloseTo(bonus, 2);
      expect(reportWeight({ upheld, dismissed })).toBeCloseTo(weight, 3);
    },
  );

  it.each([
    { upheld: 7, dismissed: 2, suppressed: false, why: '22 % dismissed' },
    { upheld: 6, dismissed: 3, suppressed: false, why: 'only 9 decided' },
    { upheld: 7, dismissed: 3, suppressed: true, why: '30 % of 10' },
    { upheld: 75, dismissed: 25, suppressed: true, why: 'exactly 25 %' },
    { upheld: 76, dismissed: 24, suppressed: false, why: '24 %' },
  ])('when $upheld upheld and $dismissed dismissed, then suppressed is $suppressed ($why)', ({ upheld, dismissed, suppressed }) => {
    expect(isSuppressed({ upheld, dismissed })).toBe(suppressed);
  });

  describe('suppression expires', () => {
    const now = new Date('2026-06-01T12:00:00Z');
    const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);
    it.each([
      { lastDismissed: 0, until: 7, weight: 0, why: 'dismissed just now: 7 days' },
      { lastDismissed: 6.5, until: 0.5, weight: 0, why: 'half a day left' },
      { lastDismissed: 7, until: null, weight: 0.762, why: 'a week later the penalty alone applies (60 % of 10: 1 − 1.19 / 5)' },
      { lastDismissed: 30, until: null, weight: 0.762, why: 'a month later' },
    ])(
      'when 6 upheld and 4 dismissed, the last $lastDismissed days ago, then suppressed until +$until days ($why)',
      ({ lastDismissed, until, weight }) => {
        const track = { upheld: 6, dismissed: 4, lastDismissedAt: daysAgo(lastDismissed) };
        expect(suppressedUntil(track, now)).toEqual(until === null ? null : new Date(daysAgo(lastDismissed).getTime() + SUPPRESSION_MS));
        expect(reportWeight(track, now)).toBeCloseTo(weight, 3);
      },
    );

    it('when a suppressed reader is dismissed again after the expiry, then suppression starts over', () => {
      expect(isSuppressed({ upheld: 6, dismissed: 5, lastDismissedAt: daysAgo(1) }, now)).toBe(true);
    });
  });

  it.each([
    { upheld: 0, dismissed: 0, proven: false, why: 'no record' },
    { upheld: 2, dismissed: 0, proven: false, why: 'two upheld' },
    { upheld: 3, dismissed: 0, proven: true, why: 'three upheld' },
    { upheld: 3, dismissed: 2, proven: false, why: '60 % accuracy, under the 70 % axis' },
    { upheld: 7, dismissed: 3, proven: false, why: 'suppressed' },
    { upheld: 8, dismissed: 2, proven: true, why: '80 % of 10' },
  ])('when $upheld upheld and $dismissed dismissed, then proven is $proven ($why)', ({ upheld, dismissed, proven }) => {
    expect(isProven({ upheld, dismissed })).toBe(proven);
  });
});

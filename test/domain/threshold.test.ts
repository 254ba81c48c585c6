import { describe, expect, it } from 'vitest';
import { IMAGE_STATUSES, type ImageStatus } from '../../src/domain/image-status.js';
import type { ReportReason } from '../../src/domain/reports.js';
import { decideAutoBlock, guardAgainstBrigade, type BrigadePolicy, type CountedReport, type GuardedReport, type ThresholdPolicy } from '../../src/domain/threshold.js';

const policy: ThresholdPolicy = { threshold: 3, reasonThresholds: { illegal: 2 }, restoredFactor: 2 };

function reports(...entries: [ReportReason, number, ('reader' | 'moderator')?][]): CountedReport[] {
  return entries.map(([reason, weight, reporterRole = 'reader']) => ({ reason, weight, reporterRole }));
}

function decide(status: ImageStatus, list: CountedReport[], restored = false) {
  return decideAutoBlock({ status, reports: list, restored, policy });
}

describe('decideAutoBlock', () => {
  const blockable: Record<ImageStatus, boolean> = {
    processing: true,
    visible: true,
    auto_blocked: false,
    blocked: false,
    removed: false,
    failed: false,
  };
  it.each(IMAGE_STATUSES)('when the image is %s and three readers report, then it blocks only if the status allows', (status) => {
    expect(decide(status, reports(['spam', 1], ['spam', 1], ['hate', 1])).block).toBe(blockable[status]);
  });

  it.each([
    { why: 'two readers at 1.0 stay under 3', list: reports(['spam', 1], ['nudity', 1]), expected: { block: false } },
    { why: 'three readers at 1.0 reach 3', list: reports(['spam', 1], ['spam', 1], ['nudity', 1]), expected: { block: true, rule: 'total_score', score: 3, threshold: 3 } },
    { why: 'two trusted readers at 1.5 reach 3', list: reports(['spam', 1.5], ['violence', 1.5]), expected: { block: true, rule: 'total_score', score: 3, threshold: 3 } },
    { why: 'one reader at the maximum weight 2 never blocks alone', list: reports(['illegal', 2]), expected: { block: false } },
    { why: 'one reader plus suppressed readers (weight 0) never blocks', list: reports(['spam', 2], ['spam', 0], ['spam', 0], ['spam', 0]), expected: { block: false } },
    { why: 'two "illegal" reports reach the illegal threshold 2', list: reports(['illegal', 1], ['illegal', 1]), expected: { block: true, rule: 'reason_score', reason: 'illegal', score: 2, threshold: 2 } },
    { why: '"illegal" and "spam" do not add up toward the illegal threshold', list: reports(['illegal', 1], ['spam', 1]), expected: { block: false } },
    { why: 'one moderator report blocks at once', list: reports(['other', 1, 'moderator']), expected: { block: true, rule: 'moderator_report' } },
  ])('when $why, then the decision follows', ({ list, expected }) => {
    expect(decide('visible', list)).toEqual(expected);
  });

  it('when the image was restored, then it needs twice the threshold', () => {
    const four = reports(['spam', 1], ['spam', 1], ['spam', 1], ['spam', 1]);
    expect(decide('visible', four, true)).toEqual({ block: false });
    expect(decide('visible', [...four, ...reports(['spam', 1], ['spam', 1])], true)).toEqual({ block: true, rule: 'total_score', score: 6, threshold: 6 });
    expect(decide('visible', reports(['illegal', 1], ['illegal', 1]), true)).toEqual({ block: false });
    expect(decide('visible', reports(['illegal', 1], ['illegal', 1], ['illegal', 1], ['illegal', 1]), true)).toMatchObject({ block: true, rule: 'reason_score', threshold: 4 });
  });
});

describe('guardAgainstBrigade', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const brigade: BrigadePolicy = { minReports: 5, windowMs: 3_600_000 };
  const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
  /** [weight, lowTrust, minutes ago] per report; reason spam, role reader. */
  function burst(...entries: [number, boolean, number][]): GuardedReport[] {
    return entries.map(([weight, lowTrust, minutes]) => ({ reason: 'spam', weight, reporterRole: 'reader', lowTrust, createdAt: minutesAgo(minutes) }));
  }
  const anonymous = (count: number, minutes = 1) => burst(...Array.from({ length: count }, (): [number, boolean, number] => [0.5, true, minutes]));
  const ordinary = (count: number, minutes = 1) => burst(...Array.from({ length: count }, (): [number, boolean, number] => [1, false, minutes]));
  const guard = (reports: GuardedReport[], status: ImageStatus = 'visible') =>
    guardAgainstBrigade({ status, reports, restored: false, policy, brigade, now });

  it.each([
    { why: 'six anonymous readers reach 3.0 within the window', reports: anonymous(6), expected: { block: false, rule: 'suspected_brigade', reportsInWindow: 6, scoreInWindow: 3, lowTrustScore: 3, heldBack: true } },
    { why: 'five anonymous readers stay under the threshold', reports: anonymous(5), expected: { block: false, rule: 'suspected_brigade', reportsInWindow: 5, scoreInWindow: 2.5, lowTrustScore: 2.5, heldBack: false } },
    { why: 'one network counted once (weights 0.5, 0, 0, 0, 0)', reports: burst([0.5, true, 1], [0, true, 1], [0, true, 1], [0, true, 1], [0, true, 1]), expected: { block: false, rule: 'suspected_brigade', reportsInWindow: 5, scoreInWindow: 0.5, lowTrustScore: 0.5, heldBack: false } },
    { why: 'four low-trust reports are not a burst', reports: burst([1, true, 1], [1, true, 1], [1, true, 1], [1, true, 1]), expected: { block: true, rule: 'total_score', score: 4, threshold: 3 } },
    { why: 'three ordinary readers block', reports: ordinary(3), expected: { block: true, rule: 'total_score', score: 3, threshold: 3 } },
    { why: 'five ordinary readers in a burst block', reports: ordinary(5), expected: { block: true, rule: 'total_score', score: 5, threshold: 3 } },
    { why: 'exactly half the score from low-trust is not more than half', reports: [...ordinary(2), ...burst([1, true, 1], [0.5, true, 1], [0.5, true, 1])], expected: { block: true, rule: 'total_score', score: 4, threshold: 3 } },
    { why: 'three signed readers outweigh four anonymous ones', reports: [...ordinary(3), ...anonymous(4)], expected: { block: true, rule: 'total_score', score: 5, threshold: 3 } },
    { why: 'the low-trust reports are older than the window', reports: [...anonymous(6, 61)], expected: { block: true, rule: 'total_score', score: 3, threshold: 3 } },
    { why: 'only two of six fall inside the window', reports: [...anonymous(4, 90), ...anonymous(2, 5)], expected: { block: true, rule: 'total_score', score: 3, threshold: 3 } },
    { why: 'suppressed readers (all weight 0) are no brigade', reports: burst([0, true, 1], [0, true, 1], [0, true, 1], [0, true, 1], [0, true, 1]), expected: { block: false } },
  ])('when $why, then the decision follows', ({ reports: list, expected }) => {
    const decision = guard(list);
    expect(decision).toEqual(expected.rule === 'suspected_brigade' ? { ...expected, windowMs: 3_600_000 } : expected);
  });

  it('when a flagged image\'s low-trust reports have left the window, then it is still held until a moderator decides', () => {
    const reports = [...anonymous(6, 61), ...anonymous(1, 1)]; // the campaign waited an hour, then sent one more
    expect(guard(reports)).toMatchObject({ block: true, rule: 'total_score' });
    expect(guardAgainstBrigade({ status: 'visible', reports, restored: false, policy, brigade, now, flagged: true })).toMatchObject({
      block: false,
      rule: 'suspected_brigade',
      reportsInWindow: 7,
      heldBack: true,
    });
    // Trusted readers carrying the score still block a flagged image.
    expect(guardAgainstBrigade({ status: 'visible', reports: [...reports, ...ordinary(4, 1)], restored: false, policy, brigade, now, flagged: true })).toMatchObject({
      block: true,
    });
  });

  it('when a moderator reports during a burst, then the image blocks at once', () => {
    expect(guard([...anonymous(6), { reason: 'spam', weight: 1, reporterRole: 'moderator', lowTrust: false, createdAt: now }])).toEqual({ block: true, rule: 'moderator_report' });
  });

  it.each(['auto_blocked', 'blocked', 'removed', 'failed'] as const)('when the image is already %s, then a burst flags nothing', (status) => {
    expect(guard(anonymous(6), status)).toEqual({ block: false });
  });
});

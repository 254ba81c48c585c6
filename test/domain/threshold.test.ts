import { describe, expect, it } from 'vitest';
import { IMAGE_STATUSES, type ImageStatus } from '../../src/domain/image-status.js';
import type { ReportReason } from '../../src/domain/reports.js';
import { decideAutoBlock, type CountedReport, type ThresholdPolicy } from '../../src/domain/threshold.js';

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

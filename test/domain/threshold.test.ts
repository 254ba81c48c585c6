import { describe, expect, it } from 'vitest';
import { IMAGE_STATUSES, type ImageStatus } from '../../src/domain/image-status.js';
import type { ReporterStanding } from '../../src/domain/readers.js';
import { REPORT_REASONS, type ReportReason } from '../../src/domain/reports.js';
import { crossing, decideAutoBlock, type BrigadePolicy, type PolicyReport, type ThresholdPolicy } from '../../src/domain/threshold.js';

const policy: ThresholdPolicy = { threshold: 3, reasonThresholds: { illegal: 2 }, restoredFactor: 2 };
const brigade: BrigadePolicy = { minReports: 5, windowMs: 3_600_000, ordinaryQuorum: 2, accountClusterMs: 600_000 };
const now = new Date('2026-06-01T12:00:00Z');
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000);

let networkCounter = 0;
/** One report; each reader on a network of their own unless `network` is given. */
function report(standing: ReporterStanding, options: Partial<PolicyReport> = {}): PolicyReport {
  const weight = standing === 'low_trust' ? 0.5 : standing === 'proven' ? 1.5 : 1;
  return {
    reason: 'spam',
    weight,
    reporterRole: 'reader',
    standing,
    reporterKind: standing === 'low_trust' ? 'anonymous' : 'signed',
    guardNetwork: `net-${networkCounter++}`,
    accountCreatedAt: null,
    createdAt: minutesAgo(1),
    ...options,
  };
}
const many = (count: number, standing: ReporterStanding, options: Partial<PolicyReport> = {}) =>
  Array.from({ length: count }, () => report(standing, options));
const ordinary = (count: number, options: Partial<PolicyReport> = {}) => many(count, 'ordinary', options);
const lowTrust = (count: number, options: Partial<PolicyReport> = {}) => many(count, 'low_trust', options);

function decide(reports: PolicyReport[], extra: Partial<Parameters<typeof decideAutoBlock>[0]> = {}) {
  return decideAutoBlock({ status: 'visible', reports, restored: false, policy, brigade, now, ...extra });
}

describe('crossing (rule 4)', () => {
  const reports = (...entries: [ReportReason, number][]) => entries.map(([reason, weight]) => ({ reason, weight }));
  it.each([
    { why: 'two readers at 1.0 stay under 3', list: reports(['spam', 1], ['nudity', 1]), expected: null },
    {
      why: 'three readers at 1.0 reach 3',
      list: reports(['spam', 1], ['spam', 1], ['nudity', 1]),
      expected: { rule: 'total_score', score: 3, threshold: 3 },
    },
    {
      why: 'two readers at 1.5 reach 3',
      list: reports(['spam', 1.5], ['violence', 1.5]),
      expected: { rule: 'total_score', score: 3, threshold: 3 },
    },
    { why: 'one reader at the maximum weight 2 never crosses alone', list: reports(['illegal', 2]), expected: null },
    {
      why: 'one reader plus suppressed readers (weight 0) never crosses',
      list: reports(['spam', 2], ['spam', 0], ['spam', 0], ['spam', 0]),
      expected: null,
    },
    {
      why: 'two "illegal" reports reach the illegal threshold 2',
      list: reports(['illegal', 1], ['illegal', 1]),
      expected: { rule: 'reason_score', reason: 'illegal', score: 2, threshold: 2 },
    },
    { why: '"illegal" and "spam" do not add up toward the illegal threshold', list: reports(['illegal', 1], ['spam', 1]), expected: null },
    {
      why: 'weights 0.1 + 0.2 + … are summed without float drift',
      list: reports(['spam', 0.1], ['spam', 0.2], ['spam', 2.7]),
      expected: { rule: 'total_score', score: 3, threshold: 3 },
    },
  ])('when $why, then the crossing is $expected', ({ list, expected }) => {
    expect(crossing(list, policy)).toEqual(expected);
  });

  it('when the factor is 2 (restored), then every threshold doubles', () => {
    expect(crossing(reports(['spam', 1], ['spam', 1], ['spam', 1], ['spam', 1]), policy, 2)).toBeNull();
    expect(crossing(reports(['illegal', 1], ['illegal', 1], ['illegal', 1], ['illegal', 1]), policy, 2)).toMatchObject({
      rule: 'reason_score',
      threshold: 4,
    });
  });
});

describe('decideAutoBlock (report policy v2)', () => {
  const blockable: Record<ImageStatus, boolean> = {
    processing: true,
    visible: true,
    auto_blocked: false,
    blocked: false,
    removed: false,
    failed: false,
  };
  it.each(IMAGE_STATUSES)('when the image is %s and three ordinary readers report, then it blocks only if the status allows', (status) => {
    expect(decide(ordinary(3), { status }).block).toBe(blockable[status]);
  });

  it.each(['auto_blocked', 'blocked', 'removed', 'failed'] as const)(
    'when the image is already %s, then a burst flags nothing',
    (status) => {
      expect(decide(lowTrust(8), { status })).toEqual({ block: false });
    },
  );

  it('when a moderator reports during a burst, then the image blocks at once', () => {
    expect(decide([...lowTrust(6), report('ordinary', { reporterRole: 'moderator', reporterKind: 'user' })])).toEqual({
      block: true,
      rule: 'moderator_report',
    });
  });

  it.each([
    {
      why: 'three ordinary readers on three networks',
      list: () => ordinary(3),
      expected: { block: true, basis: 'trusted', corroboration: 'quorum', rule: 'total_score', score: 3 },
    },
    {
      why: 'two ordinary readers choosing illegal',
      list: () => ordinary(2, { reason: 'illegal' }),
      expected: { block: true, basis: 'trusted', rule: 'reason_score', reason: 'illegal' },
    },
    {
      why: 'a proven reader and an ordinary one at 1.5 each',
      list: () => [report('proven'), report('ordinary', { weight: 1.5 })],
      expected: { block: true, corroboration: 'proven' },
    },
    {
      why: 'a proven reader (1.5) with three anonymous readers (1.5)',
      list: () => [report('proven'), ...lowTrust(3)],
      expected: { block: true, basis: 'all', corroboration: 'proven', score: 3 },
    },
    {
      why: 'two ordinary readers and two anonymous ones',
      list: () => [...ordinary(2), ...lowTrust(2)],
      expected: { block: true, basis: 'all', corroboration: 'quorum', score: 3 },
    },
    {
      why: 'first-party users (no network watched)',
      list: () => ordinary(3, { reporterKind: 'user', guardNetwork: null }),
      expected: { block: true, basis: 'trusted', corroboration: 'quorum' },
    },
  ])('when $why report, then the image is auto-blocked', ({ list, expected }) => {
    expect(decide(list())).toMatchObject(expected);
  });

  describe('trusted reports always block on their own', () => {
    it.each([0, 1, 5, 10, 20, 50, 200])('when %i low-trust reports came first, then three ordinary readers still block', (shield) => {
      const shieldReports = lowTrust(shield, { reason: 'other', createdAt: minutesAgo(5) });
      expect(decide([...shieldReports, ...ordinary(3)])).toMatchObject({ block: true, basis: 'trusted' });
      expect(decide([...shieldReports, ...ordinary(2)]).block).toBe(false);
    });

    it('when the image was flagged and a shield keeps most of the score low-trust, then trusted readers still block', () => {
      expect(decide([...lowTrust(30), ...ordinary(3)], { flagged: true })).toMatchObject({ block: true, basis: 'trusted' });
    });
  });

  describe('low-trust weight alone never blocks', () => {
    it.each(REPORT_REASONS.flatMap((reason) => [1, 4, 6, 20, 50].map((count) => ({ reason, count }))))(
      'when $count low-trust readers on distinct networks choose $reason, then the image is not blocked',
      ({ reason, count }) => {
        expect(decide(lowTrust(count, { reason })).block).toBe(false);
        expect(decide(lowTrust(count, { reason, weight: 1 })).block).toBe(false);
      },
    );

    it('when low-trust reports drip in over a day, then nothing blocks and the crossing is held as uncorroborated', () => {
      const drip = Array.from({ length: 12 }, (_, hour) => report('low_trust', { createdAt: minutesAgo(hour * 120) }));
      expect(decide(drip)).toMatchObject({ block: false, rule: 'suspected_brigade', signals: ['uncorroborated'], heldBack: true });
    });

    it('when one ordinary reader joins many low-trust ones, then quorum is not met and the block is held', () => {
      expect(decide([...lowTrust(8), ...ordinary(1)])).toMatchObject({
        block: false,
        rule: 'suspected_brigade',
        heldBack: true,
        signals: ['low_trust_burst', 'uncorroborated'],
      });
    });

    it('when two ordinary readers and a low-trust burst cross together, then the burst holds the block', () => {
      expect(decide([...ordinary(2), ...lowTrust(6)])).toMatchObject({
        block: false,
        rule: 'suspected_brigade',
        signals: ['low_trust_burst'],
        heldBack: true,
      });
    });
  });

  describe('unproven is not trusted: rings of aged accounts', () => {
    it.each([3, 5, 10])('when %i aged accounts with no record report from one network, then they are demoted and held', (count) => {
      const decision = decide(ordinary(count, { guardNetwork: 'office' }));
      expect(decision).toMatchObject({ block: false, rule: 'suspected_brigade', heldBack: true, demotedReaders: count });
      expect(decision).toHaveProperty('signals', expect.arrayContaining(['unproven_network', 'uncorroborated']));
    });

    it('when two aged accounts from one network choose illegal, then one network is no quorum', () => {
      expect(decide(ordinary(2, { guardNetwork: 'office', reason: 'illegal' }))).toMatchObject({
        block: false,
        signals: ['uncorroborated'],
      });
    });

    it('when a ring is joined by two honest readers elsewhere, then the honest quorum blocks', () => {
      expect(decide([...ordinary(4, { guardNetwork: 'office' }), ...ordinary(2)])).toMatchObject({ block: false });
      expect(decide([...ordinary(4, { guardNetwork: 'office' }), ...ordinary(3)])).toMatchObject({ block: true, basis: 'trusted' });
    });

    it('when proven readers share a network, then they are not a ring', () => {
      expect(decide(many(3, 'proven', { guardNetwork: 'office' }))).toMatchObject({ block: true, corroboration: 'proven' });
    });

    it('when first-party users share a network, then they are not watched', () => {
      expect(decide(ordinary(3, { reporterKind: 'user', guardNetwork: 'office' }))).toMatchObject({ block: true });
    });

    it('when three unproven accounts were created within ten minutes of each other, then they are demoted', () => {
      const created = new Date('2025-01-01T00:00:00Z');
      const ring = [0, 4, 9].map((minutes) => report('ordinary', { accountCreatedAt: new Date(created.getTime() + minutes * 60_000) }));
      expect(decide(ring)).toMatchObject({ block: false, signals: ['account_cluster', 'uncorroborated'], demotedReaders: 3 });
      expect(decide(ring, { brigade: { ...brigade, accountClusterMs: 0 } })).toMatchObject({ block: true });
      const apart = [0, 30, 90].map((minutes) => report('ordinary', { accountCreatedAt: new Date(created.getTime() + minutes * 60_000) }));
      expect(decide(apart)).toMatchObject({ block: true });
    });
  });

  describe('the low-trust burst flag', () => {
    it('when five anonymous readers stay under the threshold, then the image is flagged, not held', () => {
      expect(decide(lowTrust(5))).toEqual({
        block: false,
        rule: 'suspected_brigade',
        signals: ['low_trust_burst'],
        reportsInWindow: 5,
        windowMs: 3_600_000,
        scoreInWindow: 2.5,
        lowTrustScore: 2.5,
        demotedReaders: 0,
        heldBack: false,
      });
      expect(decide(lowTrust(5, { weight: 0.6 }))).toMatchObject({ signals: ['low_trust_burst', 'uncorroborated'], heldBack: true });
    });

    it("when a flagged image's burst left the window, then the flag keeps holding while low-trust carries the score", () => {
      const reports = [...ordinary(2, { createdAt: minutesAgo(90) }), ...lowTrust(6, { createdAt: minutesAgo(80) })];
      expect(decide(reports)).toMatchObject({ block: true, basis: 'all' });
      expect(decide(reports, { flagged: true })).toMatchObject({ block: false, signals: ['low_trust_burst'], heldBack: true });
    });
  });

  describe('factors', () => {
    it('when the picture was restored, then it needs twice the threshold', () => {
      expect(decide(ordinary(4), { restored: true }).block).toBe(false);
      expect(decide(ordinary(6), { restored: true })).toMatchObject({ block: true, threshold: 6 });
    });

    it('when the uploader has a factor of 2, then three ordinary readers no longer suffice', () => {
      expect(decide(ordinary(3), { uploaderFactor: 2 }).block).toBe(false);
      expect(decide(ordinary(6), { uploaderFactor: 2 })).toMatchObject({ block: true, threshold: 6 });
      expect(decide(ordinary(12), { uploaderFactor: 2, restored: true })).toMatchObject({ block: true, threshold: 12 });
    });
  });
});

import { describe, expect, it } from 'vitest';
import {
  anonymousReportsAllowed,
  inReflagCooldown,
  isLowTrust,
  readerReportWeight,
  reporterStanding,
  weighReport,
  type ReaderKind,
  type Weighing,
} from '../../src/domain/readers.js';

const DAY_MS = 86_400_000;
const now = new Date('2026-06-01T12:00:00Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS);

describe('isLowTrust', () => {
  it.each([
    { why: 'an anonymous reader', kind: 'anonymous', createdAt: null, expected: true },
    { why: 'a signed account created yesterday', kind: 'signed', createdAt: daysAgo(1), expected: true },
    { why: 'a signed account just under 3 days old', kind: 'signed', createdAt: daysAgo(2.99), expected: true },
    { why: 'a signed account exactly 3 days old', kind: 'signed', createdAt: daysAgo(3), expected: false },
    { why: 'a signed account a year old', kind: 'signed', createdAt: daysAgo(365), expected: false },
    { why: 'a signed reader without account_created_at', kind: 'signed', createdAt: null, expected: false },
    { why: 'a first-party user', kind: 'user', createdAt: null, expected: false },
  ] as { why: string; kind: ReaderKind; createdAt: Date | null; expected: boolean }[])(
    'when $why, then low-trust is $expected',
    ({ kind, createdAt, expected }) => {
      expect(isLowTrust({ kind, accountCreatedAt: createdAt }, now, 3 * DAY_MS)).toBe(expected);
    },
  );
});

describe('readerReportWeight', () => {
  it.each([
    { why: 'a signed reader keeps their trust weight', kind: 'signed', trust: 1.25, counted: false, expected: 1.25 },
    { why: 'a first-party user keeps their trust weight', kind: 'user', trust: 1, counted: false, expected: 1 },
    { why: 'an anonymous reader weighs the anonymous weight', kind: 'anonymous', trust: 1, counted: false, expected: 0.5 },
    {
      why: 'a trusted anonymous reader still weighs at most the anonymous weight',
      kind: 'anonymous',
      trust: 2,
      counted: false,
      expected: 0.5,
    },
    { why: 'a suppressed anonymous reader weighs 0', kind: 'anonymous', trust: 0, counted: false, expected: 0 },
    { why: 'a second anonymous reader of a network already counted weighs 0', kind: 'anonymous', trust: 1, counted: true, expected: 0 },
    { why: 'a signed reader is not affected by network counting', kind: 'signed', trust: 1, counted: true, expected: 1 },
    {
      why: 'a new signed account weighs the new-account weight',
      kind: 'signed',
      trust: 1,
      counted: false,
      newAccount: true,
      expected: 0.5,
    },
    {
      why: 'a new signed account with a poor record weighs less still',
      kind: 'signed',
      trust: 0.3,
      counted: false,
      newAccount: true,
      expected: 0.3,
    },
  ] as { why: string; kind: ReaderKind; trust: number; counted: boolean; newAccount?: boolean; expected: number }[])(
    'when $why, then the weight is $expected',
    ({ kind, trust, counted, newAccount, expected }) => {
      expect(
        readerReportWeight({
          kind,
          trustWeight: trust,
          anonymousWeight: 0.5,
          networkAlreadyCounted: counted,
          newAccount: newAccount ?? false,
          newAccountWeight: 0.5,
        }),
      ).toBe(expected);
    },
  );
});

describe('anonymousReportsAllowed', () => {
  const own = 'https://imgmod.example';
  it.each([
    { setting: 'on', origin: undefined, expected: true },
    { setting: 'on', origin: 'https://news.example', expected: true },
    { setting: 'off', origin: own, expected: false },
    { setting: 'off', origin: 'https://news.example', expected: false },
    { setting: ['https://news.example'], origin: 'https://news.example', expected: true },
    { setting: ['https://news.example'], origin: 'https://blog.example', expected: false },
    { setting: ['https://news.example'], origin: own, expected: true },
    { setting: ['https://news.example'], origin: undefined, expected: false },
  ] as { setting: 'on' | 'off' | string[]; origin: string | undefined; expected: boolean }[])(
    'when the setting is $setting and the origin $origin, then allowed is $expected',
    ({ setting, origin, expected }) => {
      expect(anonymousReportsAllowed(setting, origin, own)).toBe(expected);
    },
  );
});

describe('weighReport', () => {
  const base: Weighing = {
    role: 'reader',
    kind: 'signed',
    trustWeight: 1.25,
    cooldown: false,
    networkAlreadyCounted: false,
    newAccount: false,
  };
  const settings = { anonymousWeight: 0.5, newAccountWeight: 0.5 };
  it.each([
    { why: 'an ordinary signed reader keeps their trust', weighing: base, expected: 1.25 },
    { why: 'a moderator weighs 1', weighing: { ...base, role: 'moderator', cooldown: true }, expected: 1 },
    { why: 'a reader back within the cooldown weighs 0', weighing: { ...base, cooldown: true }, expected: 0 },
    { why: 'an anonymous reader weighs the anonymous weight', weighing: { ...base, kind: 'anonymous' }, expected: 0.5 },
    {
      why: 'a second anonymous reader of a network weighs 0',
      weighing: { ...base, kind: 'anonymous', networkAlreadyCounted: true },
      expected: 0,
    },
    { why: 'a new account weighs the new-account weight', weighing: { ...base, newAccount: true }, expected: 0.5 },
  ] as { why: string; weighing: Weighing; expected: number }[])('when $why, then the weight is $expected', ({ weighing, expected }) => {
    expect(weighReport(weighing, settings)).toBe(expected);
  });

  it('when a replay lowers the anonymous weight, then the same inputs weigh less', () => {
    expect(weighReport({ ...base, kind: 'anonymous' }, { ...settings, anonymousWeight: 0.25 })).toBe(0.25);
  });
});

describe('reporterStanding', () => {
  it.each([
    { lowTrust: false, proven: false, expected: 'ordinary' },
    { lowTrust: false, proven: true, expected: 'proven' },
    { lowTrust: true, proven: true, expected: 'proven' },
    { lowTrust: true, proven: false, expected: 'low_trust' },
  ])('when lowTrust=$lowTrust and proven=$proven, then the standing is $expected', ({ lowTrust, proven, expected }) => {
    expect(reporterStanding({ lowTrust, proven })).toBe(expected);
  });
});

describe('inReflagCooldown', () => {
  it.each([
    { dismissed: [], copies: [], expected: false },
    { dismissed: ['img'], copies: [], expected: true },
    { dismissed: ['copy'], copies: ['copy'], expected: true },
    { dismissed: ['other'], copies: ['copy'], expected: false },
  ])('when dismissed on $dismissed with copies $copies, then the cooldown is $expected', ({ dismissed, copies, expected }) => {
    expect(inReflagCooldown(dismissed, 'img', copies)).toBe(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { anonymousReportsAllowed, isLowTrust, readerReportWeight, type ReaderKind } from '../../src/domain/readers.js';

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
  ] as { why: string; kind: ReaderKind; createdAt: Date | null; expected: boolean }[])('when $why, then low-trust is $expected', ({ kind, createdAt, expected }) => {
    expect(isLowTrust({ kind, accountCreatedAt: createdAt }, now, 3 * DAY_MS)).toBe(expected);
  });
});

describe('readerReportWeight', () => {
  it.each([
    { why: 'a signed reader keeps their trust weight', kind: 'signed', trust: 1.25, counted: false, expected: 1.25 },
    { why: 'a first-party user keeps their trust weight', kind: 'user', trust: 1, counted: false, expected: 1 },
    { why: 'an anonymous reader weighs the anonymous weight', kind: 'anonymous', trust: 1, counted: false, expected: 0.5 },
    { why: 'a trusted anonymous reader still weighs at most the anonymous weight', kind: 'anonymous', trust: 2, counted: false, expected: 0.5 },
    { why: 'a suppressed anonymous reader weighs 0', kind: 'anonymous', trust: 0, counted: false, expected: 0 },
    { why: 'a second anonymous reader of a network already counted weighs 0', kind: 'anonymous', trust: 1, counted: true, expected: 0 },
    { why: 'a signed reader is not affected by network counting', kind: 'signed', trust: 1, counted: true, expected: 1 },
    { why: 'a new signed account weighs the new-account weight', kind: 'signed', trust: 1, counted: false, newAccount: true, expected: 0.5 },
    { why: 'a new signed account with a poor record weighs less still', kind: 'signed', trust: 0.3, counted: false, newAccount: true, expected: 0.3 },
  ] as { why: string; kind: ReaderKind; trust: number; counted: boolean; newAccount?: boolean; expected: number }[])('when $why, then the weight is $expected', ({ kind, trust, counted, newAccount, expected }) => {
    expect(
      readerReportWeight({ kind, trustWeight: trust, anonymousWeight: 0.5, networkAlreadyCounted: counted, newAccount: newAccount ?? false, newAccountWeight: 0.5 }),
    ).toBe(expected);
  });
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
  ] as { setting: 'on' | 'off' | string[]; origin: string | undefined; expected: boolean }[])('when the setting is $setting and the origin $origin, then allowed is $expected', ({ setting, origin, expected }) => {
    expect(anonymousReportsAllowed(setting, origin, own)).toBe(expected);
  });
});

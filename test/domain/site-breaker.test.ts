import { describe, expect, it } from 'vitest';
import { breakerLimit, breakerOpen, decideBreaker, TRAILING_HOURS } from '../../src/domain/site-breaker.js';

const settings = { floor: 5, factor: 10, coolDownMs: 3_600_000 };
const now = new Date('2026-12-02T10:00:00Z');
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000);

describe('breakerLimit', () => {
  it.each([
    { trailing: 0, limit: 5, why: 'a quiet site gets the floor' },
    { trailing: TRAILING_HOURS, limit: 10, why: 'one block an hour on average: ten times it' },
    { trailing: 3 * TRAILING_HOURS, limit: 30, why: 'three an hour: thirty' },
    { trailing: 84, limit: 5, why: 'half a block an hour: ten times it (5) equals the floor' },
    { trailing: 100, limit: 5, why: 'a fraction rounds down, never below the floor' },
  ])('when the trailing 7 days held $trailing auto-blocks, then the limit is $limit ($why)', ({ trailing, limit }) => {
    expect(breakerLimit(settings, trailing)).toBe(limit);
  });
});

describe('breakerOpen', () => {
  it.each([
    { trippedAt: null, resetAt: null, open: false, why: 'never tripped' },
    { trippedAt: minutesAgo(10), resetAt: null, open: true, why: 'tripped 10 min ago' },
    { trippedAt: minutesAgo(60), resetAt: null, open: false, why: 'the cool-down is over' },
    { trippedAt: minutesAgo(59), resetAt: null, open: true, why: 'a minute of cool-down left' },
    { trippedAt: minutesAgo(10), resetAt: minutesAgo(5), open: false, why: 'an admin reset it since' },
    { trippedAt: minutesAgo(5), resetAt: minutesAgo(10), open: true, why: 'it tripped again after the reset' },
  ])('when $why, then open is $open', ({ trippedAt, resetAt, open }) => {
    expect(breakerOpen(settings, { trippedAt, resetAt, now })).toBe(open);
  });
});

describe('decideBreaker', () => {
  const base = { autoBlocksTrailing: 0, trippedAt: null, resetAt: null, now };
  it.each([
    { lastHour: 0, allow: true },
    { lastHour: 4, allow: true },
    { lastHour: 5, allow: false },
    { lastHour: 50, allow: false },
  ])('when a quiet site already auto-blocked $lastHour images this hour, then one more is allowed: $allow', ({ lastHour, allow }) => {
    expect(decideBreaker(settings, { ...base, autoBlocksLastHour: lastHour }).allow).toBe(allow);
  });

  it('when a block trips the breaker, then the decision says the limit, the count, the usual rate and until when', () => {
    expect(decideBreaker(settings, { ...base, autoBlocksLastHour: 12, autoBlocksTrailing: TRAILING_HOURS })).toEqual({
      allow: false,
      rule: 'trips',
      limit: 10,
      autoBlocksLastHour: 12,
      usualPerHour: 1,
      until: new Date(now.getTime() + 3_600_000),
    });
  });

  it('when a busy site blocks at its usual rate, then the floor does not stop it', () => {
    expect(decideBreaker(settings, { ...base, autoBlocksLastHour: 25, autoBlocksTrailing: 3 * TRAILING_HOURS })).toEqual({
      allow: true,
      limit: 30,
    });
  });

  it('when the breaker is open, then every auto-block is held, even at a count under the limit', () => {
    const trippedAt = minutesAgo(20);
    expect(decideBreaker(settings, { ...base, autoBlocksLastHour: 0, trippedAt })).toEqual({
      allow: false,
      rule: 'open',
      trippedAt,
      until: new Date(trippedAt.getTime() + 3_600_000),
    });
  });

  it('when an admin reset the breaker, then blocks are allowed again (the count restarts from the reset)', () => {
    expect(decideBreaker(settings, { ...base, autoBlocksLastHour: 0, trippedAt: minutesAgo(20), resetAt: minutesAgo(1) }).allow).toBe(true);
  });
});

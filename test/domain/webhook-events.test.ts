import { describe, expect, it } from 'vitest';
import { IMAGE_STATUSES, type ImageStatus } from '../../src/domain/image-status.js';
import { givesUp, imageEventType, MAX_RETRY_DELAY_MS, retryDelayMs, type WebhookEventType } from '../../src/domain/webhook-events.js';

/** Every status change and the event it announces (null: none). */
const EVENTS: Partial<Record<`${ImageStatus}->${ImageStatus}`, WebhookEventType>> = {
  'processing->visible': 'image.visible',
  'processing->auto_blocked': 'image.auto_blocked',
  'processing->blocked': 'image.blocked',
  'processing->removed': 'image.removed',
  'visible->auto_blocked': 'image.auto_blocked',
  'visible->blocked': 'image.blocked',
  'visible->removed': 'image.removed',
  'auto_blocked->visible': 'image.restored',
  'auto_blocked->blocked': 'image.blocked',
  'auto_blocked->removed': 'image.removed',
  'blocked->visible': 'image.restored',
  'blocked->auto_blocked': 'image.auto_blocked',
  'blocked->removed': 'image.removed',
  'removed->visible': 'image.restored',
  'removed->auto_blocked': 'image.auto_blocked',
  'removed->blocked': 'image.blocked',
  'failed->visible': 'image.restored',
  'failed->auto_blocked': 'image.auto_blocked',
  'failed->blocked': 'image.blocked',
  'failed->removed': 'image.removed',
};

describe('webhook events', () => {
  const pairs = IMAGE_STATUSES.flatMap((from) => IMAGE_STATUSES.map((to) => [from, to] as const));
  it.each(pairs)('when an image moves from %s to %s, then the event follows the table', (from, to) => {
    expect(imageEventType(from, to)).toBe(EVENTS[`${from}->${to}`] ?? null);
  });

  it.each([
    [1, 0, 5_000],
    [1, 0.999_999, 10_000],
    [2, 0, 10_000],
    [3, 0.5, 30_000],
    [12, 0, MAX_RETRY_DELAY_MS / 2],
    [40, 1, MAX_RETRY_DELAY_MS],
  ])('when attempt %i failed and the jitter is %f, then the wait is %i ms (base 10 s)', (attempt, random, expected) => {
    expect(retryDelayMs(attempt, 10_000, random)).toBe(expected);
  });

  it('when the retries of a day are added up with the defaults, then a delivery gets about 20 attempts before it is given up', () => {
    const createdAt = new Date(0);
    let now = 0;
    let attempts = 0;
    for (;;) {
      attempts++;
      const delayMs = retryDelayMs(attempts, 10_000, 0.5);
      if (givesUp({ createdAt, now: new Date(now), delayMs, giveUpAfterMs: 24 * 3_600_000 })) break;
      now += delayMs;
    }
    expect(attempts).toBeGreaterThan(15);
    expect(attempts).toBeLessThan(30);
    expect(now).toBeLessThanOrEqual(24 * 3_600_000);
  });
});

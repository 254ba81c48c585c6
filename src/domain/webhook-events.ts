/**
 * The webhook events a site receives and when: which image status changes announce which event, and how long a
 * failed delivery waits before the next attempt. Pure: no I/O.
 *
 * Retry schedule: exponential backoff with "equal jitter" (AWS Architecture Blog, "Exponential Backoff And
 * Jitter", 2015): attempt n waits between half and all of base × 2^(n−1), capped at MAX_RETRY_DELAY_MS, so
 * endpoints that failed together do not all retry in the same second. Deliveries are given up once the next
 * attempt would fall after the give-up age (24 h by default, the span Standard Webhooks' reference service
 * Svix retries for).
 */
import type { ImageStatus } from './image-status.js';

/** Every event type; `report.created` is sent only to endpoints that subscribe to it by name (opt-in). */
export const WEBHOOK_EVENT_TYPES = [
  'image.visible',
  'image.auto_blocked',
  'image.blocked',
  'image.restored',
  'image.removed',
  'report.created',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What an endpoint receives when it names no event types: every event but the opt-in `report.created`. */
export const DEFAULT_WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = WEBHOOK_EVENT_TYPES.filter((type) => type !== 'report.created');

/** The longest wait between two attempts, in ms (2 h): past it, attempts keep coming every 1–2 h until given up. */
export const MAX_RETRY_DELAY_MS = 2 * 3_600_000;

/**
 * The event an image status change announces, or null when a site needs none (`failed` images were never shown;
 * `auto_blocked → blocked` is a moderator upholding a block the site already acted on, still announced as
 * `image.blocked` so the site learns the block is final).
 * - → visible: `image.visible` from processing, `image.restored` from a block
 * - → auto_blocked, blocked, removed: `image.auto_blocked`, `image.blocked`, `image.removed`
 */
export function imageEventType(from: ImageStatus, to: ImageStatus): WebhookEventType | null {
  if (from === to) return null;
  switch (to) {
    case 'visible':
      return from === 'processing' ? 'image.visible' : 'image.restored';
    case 'auto_blocked':
      return 'image.auto_blocked';
    case 'blocked':
      return 'image.blocked';
    case 'removed':
      return 'image.removed';
    default:
      return null;
  }
}

/**
 * How long to wait after failed attempt number `attempt` (1 for the first), in ms.
 * @param baseMs the first wait's upper bound (WEBHOOK_RETRY_BASE_MS)
 * @param random a number in [0, 1) (Math.random in production; fixed in tests)
 */
export function retryDelayMs(attempt: number, baseMs: number, random: number): number {
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/**
 * Whether a delivery is given up instead of tried again: when its next attempt would come later than
 * `giveUpAfterMs` after the event was created.
 */
export function givesUp(input: { createdAt: Date; now: Date; delayMs: number; giveUpAfterMs: number }): boolean {
  return input.now.getTime() + input.delayMs > input.createdAt.getTime() + input.giveUpAfterMs;
}

/**
 * Use case: one attempt at one webhook delivery. The delivery is held (so no other worker attempts it at the same
 * time) only if it is still open, due and the oldest open delivery of its (endpoint, image), which keeps events
 * about one image in order at each endpoint. The POST follows the outbound rules (src/outbound/safe-fetch.ts): the
 * endpoint's name is resolved and checked at every attempt, redirects are not followed (a 3xx is a failure), and
 * the endpoint has WEBHOOK_TIMEOUT_MS to answer. A 2xx delivers; anything else is retried with backoff
 * (domain/webhook-events.ts) until WEBHOOK_GIVE_UP_AFTER_MS after the event, then the delivery is given up.
 */
import type { Deps } from '../deps.js';
import { givesUp, retryDelayMs } from '../domain/webhook-events.js';
import { holdDelivery, recordAttempt, type AttemptOutcome } from '../db/webhooks.repository.js';
import { AppError } from '../errors.js';
import { safeFetch, type Resolver } from '../outbound/safe-fetch.js';
import { webhookHeaders } from './signing.js';

/** Most of an endpoint's answer that is read, in bytes (only its status matters). */
const MAX_ANSWER_BYTES = 64 * 1024;
/** How long past the attempt's timeout a hold lasts, so a worker that died mid-attempt frees the delivery soon. */
const HOLD_MARGIN_MS = 30_000;

export type AttemptResult = 'delivered' | 'retry' | 'given_up' | 'skipped';

/**
 * Attempts delivery `id` once and records the outcome (status code, latency, error, next attempt).
 * @param options.resolver injected name resolution (tests); options.random the jitter source (default Math.random)
 * @returns what happened: `skipped` when the delivery was not open, due, first in line, or free
 * @throws database errors only (the job is retried); an endpoint's failure is an outcome, never thrown
 */
export async function attemptDelivery(
  deps: Pick<Deps, 'pool' | 'config'>,
  id: number,
  options: { resolver?: Resolver; random?: () => number } = {},
): Promise<AttemptResult> {
  const config = deps.config;
  const delivery = await holdDelivery(deps.pool, { id, holdMs: config.WEBHOOK_TIMEOUT_MS + HOLD_MARGIN_MS });
  if (!delivery) return 'skipped';
  const body = JSON.stringify(delivery.payload);
  const started = performance.now();
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    const answer = await safeFetch(delivery.url, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'imgmod-webhooks/1',
        ...webhookHeaders({ id: delivery.eventId, body, secrets: delivery.secrets }),
      },
      allowedHosts: [new URL(delivery.url).hostname.replace(/^\[(.*)\]$/, '$1')],
      maxBytes: MAX_ANSWER_BYTES,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      redirect: 'manual',
      discardBody: true,
      allowLoopback: config.OUTBOUND_ALLOW_LOOPBACK,
      ...(options.resolver ? { resolver: options.resolver } : {}),
    });
    statusCode = answer.status;
    if (statusCode < 200 || statusCode > 299) error = `answered ${statusCode}`;
  } catch (caught) {
    error = caught instanceof AppError ? `${caught.code}: ${caught.message}` : String(caught);
  }
  const outcome: Omit<AttemptOutcome, 'result'> = {
    id,
    statusCode,
    latencyMs: performance.now() - started,
    error: error?.slice(0, 500) ?? null,
  };
  if (error === null) {
    await recordAttempt(deps.pool, { ...outcome, result: { kind: 'delivered' } });
    return 'delivered';
  }
  const delayMs = retryDelayMs(delivery.attempts + 1, config.WEBHOOK_RETRY_BASE_MS, (options.random ?? Math.random)());
  if (givesUp({ createdAt: delivery.createdAt, now: new Date(), delayMs, giveUpAfterMs: config.WEBHOOK_GIVE_UP_AFTER_MS })) {
    await recordAttempt(deps.pool, { ...outcome, result: { kind: 'given_up' } });
    return 'given_up';
  }
  await recordAttempt(deps.pool, { ...outcome, result: { kind: 'retry', retryInMs: delayMs } });
  return 'retry';
}

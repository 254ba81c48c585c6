/** The review-deadline sweep of a worker process: once a minute (or sooner for short deadlines), logged when it finds any. */
import type { Deps } from '../src/deps.js';
import { sweepOverdueReviews } from '../src/moderation/review-deadlines.js';
import { isConnectionError } from '../src/db/pool.js';
import { outageLog } from '../src/outage-log.js';

/** Longest pause between sweeps, in ms: an overdue review is noticed within a minute of its deadline. */
const MAX_SWEEP_INTERVAL_MS = 60_000;

/** Starts sweeping; `stop` waits for a sweep in progress. A failed sweep is logged and retried at the next tick. */
export function startReviewDeadlines(deps: Deps): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = sweepOverdueReviews(deps)
      .then((count) => {
        if (count > 0) deps.logger.info({ count }, 'reviews overdue');
      })
      .catch((error: unknown) =>
        // PostgreSQL away is an outage, logged once (then once a minute) with the relay's and the jobs' failures.
        isConnectionError(error)
          ? outageLog(deps.logger, 'PostgreSQL').failed(error, 'review deadlines')
          : deps.logger.warn({ err: error }, 'review deadline sweep failed'),
      );
  };
  const timer = setInterval(tick, Math.min(MAX_SWEEP_INTERVAL_MS, Math.max(1_000, deps.config.REVIEW_DEADLINE_MS / 10)));
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

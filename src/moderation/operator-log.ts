/** Use cases: the operator event log (what admins and the sign-in did outside image decisions). */
import type { Deps } from '../deps.js';
import { appendOperatorEvent, listOperatorEvents, type OperatorEvent } from '../db/operator-events.repository.js';

/** The latest operator events, newest first (at most `limit`, 200 by default). */
export function latestOperatorEvents(deps: Pick<Deps, 'pool'>, limit = 200): ReturnType<typeof listOperatorEvents> {
  return listOperatorEvents(deps.pool, limit);
}

/**
 * Records an admin's change to the job queues (pause, retry, clean…) before it is made: a change that cannot
 * be recorded must not be made, so this throws when the database does.
 */
export async function recordQueueChange(
  deps: Pick<Deps, 'pool'>,
  change: { adminId: string; path: string; method: string },
): Promise<void> {
  const event: OperatorEvent = {
    actorId: change.adminId,
    action: 'job_queue_changed',
    target: change.path,
    details: { method: change.method },
  };
  await appendOperatorEvent(deps.pool, event);
}

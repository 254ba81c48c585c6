/**
 * The request a piece of work runs for: the request id, kept in AsyncLocalStorage from the HTTP middleware
 * down to the repositories, so an outbox row (and the job it becomes) records which request caused it
 * without every use case passing it along.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<{ requestId: string }>();

/**
 * Runs `work` with `requestId` as the current request's id: an HTTP request, or a job a request caused. With null,
 * `work` runs for no request, even when called from within one (a batch of jobs, each of its own request).
 */
export function runWithRequestId<T>(requestId: string | null, work: () => T): T {
  return requestId === null ? storage.exit(work) : storage.run({ requestId }, work);
}

/** The id of the request this code runs for, or null outside one (start-up, a job no request caused). */
export function currentRequestId(): string | null {
  return storage.getStore()?.requestId ?? null;
}

/**
 * The request a piece of work runs for: the request id, kept in AsyncLocalStorage from the HTTP middleware
 * down to the repositories, so an outbox row (and the job it becomes) records which request caused it
 * without every use case passing it along.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `work` with `requestId` as the current request's id. */
export function runWithRequestId<T>(requestId: string, work: () => T): T {
  return storage.run({ requestId }, work);
}

/** The id of the request this code runs for, or null outside a request (jobs, start-up). */
export function currentRequestId(): string | null {
  return storage.getStore()?.requestId ?? null;
}

/** A deadline for a promise that might never settle (a hung connection). */

/** Thrown by withTimeout when the deadline passes first. */
export class TimeoutError extends Error {}

/**
 * Resolves or rejects as `promise` does, or rejects with TimeoutError(`${what} did not answer within ${ms} ms`)
 * after `ms` milliseconds. The timer never keeps the process alive.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

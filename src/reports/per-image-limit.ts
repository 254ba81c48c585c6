/**
 * A bulkhead per key (an image id): at most `limit` calls about one key run at once in this process; the
 * others wait in line, holding no database connection, for at most `maxWaitMs`, then fail with 503
 * `image_busy`. So requests piling up on one locked image tie up `limit` connections of the pool, not all
 * of them, and every other image keeps answering.
 */
import { AppError } from '../errors.js';

export interface PerKeyLimit {
  /** Runs `work` when a slot for `key` is free. @throws AppError 503 `image_busy` after waiting maxWaitMs */
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
}

interface Line {
  running: number;
  waiting: Array<() => void>;
}

/** Creates the limiter. @param options.limit calls at once per key; options.maxWaitMs longest wait in line */
export function perKeyLimit(options: { limit: number; maxWaitMs: number }): PerKeyLimit {
  const lines = new Map<string, Line>();

  const enter = async (key: string): Promise<void> => {
    let line = lines.get(key);
    if (!line) lines.set(key, (line = { running: 0, waiting: [] }));
    if (line.running < options.limit) {
      line.running++;
      return;
    }
    const queue = line.waiting;
    await new Promise<void>((resolve, reject) => {
      const admit = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        queue.splice(queue.indexOf(admit), 1);
        reject(new AppError({ code: 'image_busy', message: 'this image is busy (another change holds it); try again shortly' }));
      }, options.maxWaitMs);
      queue.push(admit);
    });
  };

  const leave = (key: string): void => {
    const line = lines.get(key)!;
    const next = line.waiting.shift();
    if (next) return next(); // the slot passes straight to the next in line
    line.running--;
    if (line.running === 0) lines.delete(key);
  };

  return {
    async run(key, work) {
      await enter(key);
      try {
        return await work();
      } finally {
        leave(key);
      }
    },
  };
}

/**
 * Group commit: calls that arrive while a batch is at the database wait for it, then go together as the next
 * batch, so that under load many calls share one round trip (or one transaction) and a lone call waits for nothing.
 */
import { currentRequestId } from './request-context.js';

/** One call as its batch sees it: what was asked, and the request it was asked for (currentRequestId at the call). */
export interface GroupedCall<T> {
  item: T;
  requestId: string | null;
}

/**
 * Makes a function whose calls are run in batches by `run`. A call that finds no batch running starts one at
 * once (with the calls of the same turn of the event loop); calls made while a batch runs wait for it to end,
 * then run together as the next batch, at most `maxBatch` at a time. Two calls with the same `keyOf` never share a
 * batch: the later one goes to a later batch, as if it had come after the first finished.
 * @param options.run does the batch's work and answers each call, in the order of `calls`; an answer may be a
 *   promise (settled outside the batch: the next batch does not wait for it), and a rejected one fails its call
 *   alone. When `run` itself throws, every call of the batch rejects with that error.
 */
export function groupCommit<T, R>(options: {
  keyOf: (item: T) => string;
  run: (calls: GroupedCall<T>[]) => Promise<Array<R | Promise<R>>>;
  maxBatch?: number;
}): (item: T) => Promise<R> {
  type Call = GroupedCall<T> & { resolve: (answer: R | Promise<R>) => void; reject: (error: unknown) => void };
  const maxBatch = options.maxBatch ?? Infinity;
  const waiting: Call[] = [];
  let running = false;

  const next = async () => {
    running = true;
    try {
      while (waiting.length > 0) {
        const batch = new Map<string, Call>();
        const later: Call[] = [];
        for (const call of waiting.splice(0)) {
          const key = options.keyOf(call.item);
          if (batch.has(key) || batch.size >= maxBatch) later.push(call);
          else batch.set(key, call);
        }
        for (const call of later) waiting.push(call); // waiting was emptied above, so `later` keeps its place first
        const calls = [...batch.values()];
        try {
          const answers = await options.run(calls);
          calls.forEach((call, i) => {
            if (i < answers.length) call.resolve(answers[i]!);
            else call.reject(new Error('the batch did not answer this call'));
          });
        } catch (error) {
          for (const call of calls) call.reject(error);
        }
      }
    } finally {
      running = false;
    }
  };

  return (item) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, requestId: currentRequestId(), resolve, reject });
      if (!running) {
        running = true;
        setImmediate(() => void next());
      }
    });
}

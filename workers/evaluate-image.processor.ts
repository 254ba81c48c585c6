/** Job `evaluate-image`: recounts an image's open reports and auto-blocks it at the threshold (see evaluateImage). */
import type { Job } from 'bullmq';
import type { Deps } from '../src/deps.js';
import { startEvaluations, type Evaluation } from '../src/evaluation/evaluate-image.js';
import type { ImageJob } from '../src/queues/queues.js';
import { recordEvaluation, recordEvaluationBatch } from '../src/metrics.js';
import { currentRequestId } from '../src/request-context.js';

/**
 * Group commit for evaluations: a call that finds no batch running starts one at once (with the calls of the same
 * turn of the event loop), and calls made while a batch runs wait for it to end, then run together as the next
 * batch. A lone job waits for nothing; under load, the EVALUATE_CONCURRENCY jobs a worker holds share one
 * transaction. An image asked for twice runs in two batches, one after the other, as two jobs would.
 * @param run evaluates distinct ids together and answers every one (startEvaluations), each for the request its
 *   call was made for (currentRequestId at the call); when it throws, every call of its batch rejects with that
 *   error (their jobs are retried). An answer may be a promise (an image evaluated on its own, outside the batch):
 *   its call settles with it, and the next batch does not wait for it.
 */
export function batchEvaluations(
  run: (imageIds: string[], requestIdOf: (imageId: string) => string | null) => Promise<Map<string, Evaluation | Promise<Evaluation>>>,
): (imageId: string) => Promise<Evaluation> {
  type Call = {
    imageId: string;
    requestId: string | null;
    resolve: (evaluation: Evaluation | Promise<Evaluation>) => void;
    reject: (error: unknown) => void;
  };
  const waiting: Call[] = [];
  let running = false;

  const next = async () => {
    running = true;
    try {
      while (waiting.length > 0) {
        const batch = new Map<string, Call>();
        for (const call of waiting.splice(0)) {
          if (batch.has(call.imageId)) waiting.push(call);
          else batch.set(call.imageId, call);
        }
        try {
          const evaluations = await run([...batch.keys()], (imageId) => batch.get(imageId)?.requestId ?? null);
          for (const [imageId, call] of batch) {
            const evaluation = evaluations.get(imageId);
            if (evaluation) call.resolve(evaluation);
            else call.reject(new Error(`the batch did not evaluate image ${imageId}`));
          }
        } catch (error) {
          for (const call of batch.values()) call.reject(error);
        }
      }
    } finally {
      running = false;
    }
  };

  return (imageId) =>
    new Promise<Evaluation>((resolve, reject) => {
      waiting.push({ imageId, requestId: currentRequestId(), resolve, reject });
      if (!running) {
        running = true;
        setImmediate(() => void next());
      }
    });
}

/** @returns the processor; it resolves with the evaluation and throws only to be retried */
export function evaluateImageProcessor(deps: Pick<Deps, 'pool' | 'config'>) {
  const evaluate = batchEvaluations((imageIds, requestIdOf) => {
    recordEvaluationBatch(imageIds.length);
    return startEvaluations(deps, imageIds, requestIdOf);
  });
  return async (job: Job<ImageJob>): Promise<Evaluation> => {
    // Reports from now on make a new job instead of being folded into this one (see queues.ts addJob).
    await job.removeDeduplicationKey();
    return recordEvaluation(await evaluate(job.data.imageId));
  };
}

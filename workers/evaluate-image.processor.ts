/** Job `evaluate-image`: recounts an image's open reports and auto-blocks it at the threshold (see evaluateImage). */
import type { Job } from 'bullmq';
import type { Deps } from '../src/deps.js';
import { startEvaluations, type Evaluation } from '../src/evaluation/evaluate-image.js';
import type { ImageJob } from '../src/queues/queues.js';
import { recordEvaluation, recordEvaluationBatch } from '../src/metrics.js';
import { groupCommit } from '../src/group-commit.js';

/**
 * Group commit for evaluations (src/group-commit.ts): under load, the EVALUATE_CONCURRENCY jobs a worker holds
 * share one transaction; a lone job waits for nothing. An image asked for twice runs in two batches, one after the
 * other, as two jobs would.
 * @param run evaluates distinct ids together and answers every one (startEvaluations), each for the request its
 *   call was made for; when it throws, every call of its batch rejects with that error (their jobs are retried).
 *   An answer may be a promise (an image evaluated on its own, outside the batch): its call settles with it, and
 *   the next batch does not wait for it.
 */
export function batchEvaluations(
  run: (imageIds: string[], requestIdOf: (imageId: string) => string | null) => Promise<Map<string, Evaluation | Promise<Evaluation>>>,
): (imageId: string) => Promise<Evaluation> {
  return groupCommit<string, Evaluation>({
    keyOf: (imageId) => imageId,
    run: async (calls) => {
      const requestIds = new Map(calls.map((call) => [call.item, call.requestId]));
      const evaluations = await run([...requestIds.keys()], (imageId) => requestIds.get(imageId) ?? null);
      return calls.map((call) => evaluations.get(call.item) ?? Promise.reject(new Error(`the batch did not evaluate image ${call.item}`)));
    },
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

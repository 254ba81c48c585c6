/** Job `evaluate-image`: recounts an image's open reports and auto-blocks it at the threshold (see evaluateImage). */
import type { Job } from 'bullmq';
import type { Deps } from '../src/deps.js';
import { evaluateImage, type Evaluation } from '../src/evaluation/evaluate-image.js';
import type { ImageJob } from '../src/queues/queues.js';
import { recordEvaluation } from '../src/metrics.js';

/** @returns the processor; it resolves with the evaluation and throws only to be retried */
export function evaluateImageProcessor(deps: Pick<Deps, 'pool' | 'config'>) {
  return async (job: Job<ImageJob>): Promise<Evaluation> => {
    // Reports from now on make a new job instead of being folded into this one (see queues.ts addJob).
    await job.removeDeduplicationKey();
    return recordEvaluation(await evaluateImage(deps, job.data.imageId));
  };
}

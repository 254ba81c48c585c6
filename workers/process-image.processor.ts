/** Job `process-image`: makes an uploaded image's derivatives and publishes it (see processImage). */
import type { Job } from 'bullmq';
import type { Deps } from '../src/deps.js';
import { processImage, type ProcessOutcome } from '../src/images/process-image.js';
import type { ImageJob } from '../src/queues/queues.js';

/** @returns the processor; it resolves with the image's final status and throws only to be retried */
export function processImageProcessor(deps: Pick<Deps, 'pool' | 'storage' | 'config'>) {
  return async (job: Job<ImageJob>): Promise<{ status: ProcessOutcome }> => {
    return { status: await processImage(deps, job.data.imageId) };
  };
}

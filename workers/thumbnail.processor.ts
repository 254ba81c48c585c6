/** Job `thumbnail`: makes an uploaded image's thumbnail and publishes it (see processThumbnail). */
import type { Job } from 'bullmq';
import type { Deps } from '../src/deps.js';
import { processThumbnail, type ThumbnailOutcome } from '../src/moderation/process-thumbnail.js';
import type { ImageJob } from '../src/queues/queues.js';

/** @returns the processor; it resolves with the image's final status and throws only to be retried */
export function thumbnailProcessor(deps: Pick<Deps, 'pool' | 'storage' | 'config'>) {
  return async (job: Job<ImageJob>): Promise<{ status: ThumbnailOutcome }> => {
    return { status: await processThumbnail(deps, job.data.imageId) };
  };
}

/** Job `purge-image`: deletes a removed image's stored bytes (see purgeImage). */
import type { Job } from 'bullmq';
import type { Deps } from '../src/deps.js';
import { purgeImage } from '../src/images/purge-image.js';
import type { ImageJob } from '../src/queues/queues.js';

/** @returns the processor; it resolves with how many keys were deleted and throws only to be retried */
export function purgeImageProcessor(deps: Pick<Deps, 'pool' | 'storage'>) {
  return async (job: Job<ImageJob>): Promise<{ deletedKeys: number }> => ({ deletedKeys: await purgeImage(deps, job.data.imageId) });
}

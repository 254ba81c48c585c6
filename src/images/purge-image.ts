/** Use case: delete a removed image's stored bytes (original and derivatives); the record and audit stay. */
import type { Deps } from '../deps.js';
import { findImage, storedKeys } from '../db/images.repository.js';
import { markOutboxDone } from '../db/outbox.repository.js';

/**
 * Deletes every stored object of a `removed` image. Does nothing for any other status (a purge is only
 * ever requested by a remove decision). Safe to run twice: deleting a missing object is not an error.
 * Marks the job's outbox rows done once the files are gone.
 * @returns the number of storage keys deleted
 * @throws on storage errors, so the job is retried
 */
export async function purgeImage(deps: Pick<Deps, 'pool' | 'storage'>, imageId: string): Promise<number> {
  const image = await findImage(deps.pool, imageId);
  const keys = image?.status === 'removed' ? storedKeys(image) : [];
  await Promise.all(keys.map((key) => deps.storage.delete(key)));
  await markOutboxDone(deps.pool, 'purge-image', imageId);
  return keys.length;
}

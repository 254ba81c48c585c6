/** Use case: accept an uploaded file, store the original, and ask for its derivatives through the outbox. */
import { createHash, randomUUID } from 'node:crypto';
import type { Deps } from '../deps.js';
import { insertImage, type ImageRow } from '../db/images.repository.js';
import { enqueueOutbox, wakeOutboxRelay } from '../db/outbox.repository.js';
import { withTransaction } from '../db/pool.js';
import { AppError } from '../errors.js';
import { inspectImage, intakeLimitsFrom } from '../media/inspect.js';
import { originalKey } from '../storage/keys.js';

/**
 * Checks the bytes (type, size, integrity), stores the original at `originals/<id>`, and inserts the image
 * (status `processing`, belonging to `siteId`) with a `process-image` outbox row in one transaction.
 * @param input.externalId the site's own id for the image (registration by URL), unique within the site
 * @returns the new image row
 * @throws AppError 400/415/422 from inspectImage, 409 `external_id_taken`; nothing is stored then
 */
export async function uploadImage(
  deps: Pick<Deps, 'config' | 'pool' | 'storage'>,
  input: { siteId: string; uploaderId: string; bytes: Buffer; externalId?: string },
): Promise<ImageRow> {
  const inspected = await inspectImage(input.bytes, intakeLimitsFrom(deps.config));
  const id = randomUUID();
  const storageKey = originalKey(id);
  await deps.storage.put(storageKey, input.bytes);
  try {
    const image = await withTransaction(deps.pool, async (client) => {
      const image = await insertImage(client, {
        id,
        siteId: input.siteId,
        uploaderId: input.uploaderId,
        sha256: createHash('sha256').update(input.bytes).digest('hex'),
        bytes: input.bytes.length,
        mimeType: inspected.mimeType,
        storageKey,
        externalId: input.externalId ?? null,
      });
      await enqueueOutbox(client, { topic: 'process-image', imageId: id });
      return image;
    });
    wakeOutboxRelay(deps.pool);
    return image;
  } catch (error) {
    await deps.storage.delete(storageKey).catch(() => undefined);
    if (input.externalId && (error as { code?: string; constraint?: string }).constraint === 'images_external_id')
      throw new AppError({ code: 'external_id_taken', message: `externalId "${input.externalId}" is already registered` });
    throw error;
  }
}

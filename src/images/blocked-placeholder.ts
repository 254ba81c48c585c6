/** Use case: the placeholder served for blocked images, made by sharp once and cached in storage. */
import type { Deps } from '../deps.js';
import { makeBlockedPlaceholder } from '../media/thumbnail.js';
import { BLOCKED_PLACEHOLDER_KEY } from '../storage/keys.js';
import { StorageNotFoundError, type Storage } from '../storage/storage.js';

const cached = new WeakMap<Storage, Promise<Buffer>>();

async function load(storage: Storage): Promise<Buffer> {
  try {
    return await storage.get(BLOCKED_PLACEHOLDER_KEY);
  } catch (error) {
    if (!(error instanceof StorageNotFoundError)) throw error;
  }
  const placeholder = await makeBlockedPlaceholder();
  await storage.put(BLOCKED_PLACEHOLDER_KEY, placeholder);
  return placeholder;
}

/**
 * The placeholder's WebP bytes: read from storage (made and stored on first use), then kept in memory for
 * the life of the process. A failed read is not remembered, so the next request tries again.
 */
export function blockedPlaceholder(deps: Pick<Deps, 'storage'>): Promise<Buffer> {
  let placeholder = cached.get(deps.storage);
  if (!placeholder) {
    placeholder = load(deps.storage);
    cached.set(deps.storage, placeholder);
    placeholder.catch(() => cached.delete(deps.storage));
  }
  return placeholder;
}

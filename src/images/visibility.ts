/** Use case: which of a page's images are hidden, for the widget (GET /v1/visibility). */
import type { Deps } from '../deps.js';
import { findStatuses } from '../db/images.repository.js';
import { publicVisibility, type PublicVisibility } from '../domain/image-status.js';

/**
 * The public visibility of each image of `siteId` among `imageIds`; unknown ids and other sites' images are
 * left out alike.
 * @param input.imageIds UUIDs, at most a page's worth (the route allows 100)
 */
export async function imageVisibility(
  deps: Pick<Deps, 'pool'>,
  input: { imageIds: readonly string[]; siteId: string },
): Promise<Record<string, PublicVisibility>> {
  const statuses = await findStatuses(deps.pool, [...input.imageIds], input.siteId);
  return Object.fromEntries([...statuses].map(([id, status]) => [id, publicVisibility(status)]));
}

/** Use case: which of a page's images are hidden, for the widget (GET /v1/visibility). */
import type { Deps } from '../deps.js';
import { findStatuses, findStatusesByExternalId } from '../db/images.repository.js';
import { publicVisibility, type PublicVisibility } from '../domain/image-status.js';

/** What the widget learns about a page's images: by imgmod id, and by the site's own external id. */
export interface PageVisibility {
  images: Record<string, PublicVisibility>;
  /** Only when external ids were asked about: each one the site registered, with its image's id. */
  externalIds?: Record<string, { id: string; visibility: PublicVisibility }>;
}

/**
 * The public visibility of each image of `siteId` among `imageIds`, and of each image `siteId` registered under
 * one of `externalIds`; unknown ids and other sites' images are left out alike. Images are answered under each id
 * as given (in capitals too: UUIDs are case-insensitive).
 * @param input.imageIds UUIDs, at most a page's worth (the route allows 100)
 * @param input.externalIds the site's own ids (registration by URL), at most a page's worth; undefined: not asked
 */
export async function imageVisibility(
  deps: Pick<Deps, 'pool'>,
  input: { imageIds: readonly string[]; externalIds?: readonly string[]; siteId: string },
): Promise<PageVisibility> {
  const [statuses, external] = await Promise.all([
    input.imageIds.length > 0 ? findStatuses(deps.pool, input.imageIds, input.siteId) : new Map<string, never>(),
    input.externalIds ? findStatusesByExternalId(deps.pool, input.externalIds, input.siteId) : undefined,
  ]);
  // Under each id as the page wrote it: a UUID in capitals is the same image, and the page looks it up as it asked.
  const images = Object.fromEntries(
    input.imageIds.flatMap((asked) => {
      const status = statuses.get(asked.toLowerCase());
      return status === undefined ? [] : [[asked, publicVisibility(status)]];
    }),
  );
  if (!external) return { images };
  const externalIds = Object.fromEntries(
    [...external].map(([externalId, image]) => [externalId, { id: image.id, visibility: publicVisibility(image.status) }]),
  );
  return { images, externalIds };
}

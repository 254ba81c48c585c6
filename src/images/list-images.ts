/** Use case: one page of a site's images, newest first (GET /v1/images). */
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { listImagesPage, type ImageRow } from '../db/images.repository.js';
import { decodeCursor, encodeCursor, sortKeyFits } from '../paging.js';

const cursorSchema = z.object({ t: z.string(), id: z.uuid() }).refine((position) => sortKeyFits('newest', position.t), 'not a timestamp');

/**
 * @param input.scope the site whose images are listed; null for every site (moderators)
 * @param input.cursor a previous page's nextCursor
 * @param input.limit 1–100
 * @returns the page and the cursor of the next one (null on the last page)
 * @throws AppError 400 `invalid_cursor`
 */
export async function listImages(
  deps: Pick<Deps, 'pool'>,
  input: { scope: string | null; cursor?: string; limit: number },
): Promise<{ items: ImageRow[]; nextCursor: string | null }> {
  const after = input.cursor ? decodeCursor(input.cursor, cursorSchema) : null;
  const rows = await listImagesPage(deps.pool, {
    siteId: input.scope,
    after: after && { createdAt: after.t, id: after.id },
    limit: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  const nextCursor = rows.length > input.limit && last ? encodeCursor({ t: last.sortKey, id: last.id }) : null;
  return { items: page.map(({ sortKey: _sortKey, ...image }) => image), nextCursor };
}

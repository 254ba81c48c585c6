/** Use cases: one page of a review queue, and how many images each queue holds. */
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { countQueues, listQueue, type QueueItemRow } from '../db/review-queue.repository.js';
import type { ReportReason } from '../domain/reports.js';
import { QUEUE_SORTS, QUEUE_STATES, type QueueSort, type QueueState } from '../domain/review-queue.js';
import { AppError } from '../errors.js';
import { decodeCursor, encodeCursor, sortKeyFits } from '../paging.js';

/** The queue's page position: the listing it belongs to, when the walk started, and the last item's sort key. */
const queueCursor = z
  .strictObject({
    state: z.enum(QUEUE_STATES),
    sort: z.enum(QUEUE_SORTS),
    asOf: z.iso.datetime(),
    key: z.tuple([z.string().max(40), z.uuid()]),
  })
  // The key must fit its sort: a number for `score`, a time for `oldest` and `newest`.
  .refine((cursor) => sortKeyFits(cursor.sort, cursor.key[0]));

export interface QueuePageQuery {
  state: QueueState;
  reason?: ReportReason | undefined;
  /** Only this site's images. */
  site?: string | undefined;
  sort: QueueSort;
  /** Items per page, 1–100. */
  limit: number;
  /** The nextCursor of the previous page, if any. */
  cursor?: string | undefined;
}

/** A queue item as listed: its counts and flags, without the internal sort columns. */
export type QueueItem = Omit<QueueItemRow, 'sortValue' | 'rankScore'>;

/**
 * One page of a review queue, keyset-paginated. A walk ranks images as they were when its first page was
 * read (the cursor carries that moment), so nothing is skipped or repeated while reports arrive.
 * @returns the items and the cursor of the next page (null on the last)
 * @throws AppError 400 `invalid_cursor` for a cursor that is forged, from another queue or sort, or whose key
 *   does not fit its sort
 */
export async function reviewQueuePage(
  deps: Pick<Deps, 'pool'>,
  query: QueuePageQuery,
): Promise<{ items: QueueItem[]; nextCursor: string | null }> {
  const cursor = query.cursor ? decodeCursor(query.cursor, queueCursor) : undefined;
  if (cursor && (cursor.state !== query.state || cursor.sort !== query.sort)) {
    throw new AppError({ code: 'invalid_cursor', message: 'this cursor belongs to another queue or sort order' });
  }
  const asOf = cursor ? new Date(cursor.asOf) : new Date();
  const rows = await listQueue(deps.pool, {
    state: query.state,
    reason: query.reason,
    site: query.site,
    sort: query.sort,
    limit: query.limit + 1,
    asOf,
    after: cursor?.key,
  });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(({ sortValue: _sortValue, rankScore: _rankScore, ...item }) => item),
    nextCursor:
      rows.length > query.limit && last
        ? encodeCursor({ state: query.state, sort: query.sort, asOf: asOf.toISOString(), key: [last.sortValue, last.id] })
        : null,
  };
}

/** How many images each review queue holds now. */
export function reviewQueueCounts(deps: Pick<Deps, 'pool'>): Promise<Record<QueueState, number>> {
  return countQueues(deps.pool);
}

/** Use case: a reader's own receipts: their reports with outcomes, and whether their reports currently count. */
import type { Deps } from '../deps.js';
import { listOwnReports, trackRecords, type OwnReport } from '../db/reports.repository.js';
import { suppressedUntil } from '../domain/trust.js';

/** Most receipts returned: a reader reports at most 20 a day by default. */
const MAX_RECEIPTS = 200;

export interface ReaderReceipts {
  reports: OwnReport[];
  /**
   * The reader's standing: while `suppressedUntil` is set, their new reports count 0 because too many of their
   * recent reports were dismissed (domain/trust.ts); afterwards they count again. Nothing about other readers.
   */
  standing: { suppressedUntil: Date | null };
}

/** The reader's reports, newest first (at most 200), and their standing now. */
export async function readerReceipts(deps: Pick<Deps, 'pool'>, readerId: string, now = new Date()): Promise<ReaderReceipts> {
  const reports = await listOwnReports(deps.pool, { reporterId: readerId, limit: MAX_RECEIPTS });
  const track = (await trackRecords(deps.pool, [readerId])).get(readerId);
  return { reports, standing: { suppressedUntil: track ? suppressedUntil(track, now) : null } };
}

/** Opaque pagination cursors: base64url-encoded JSON, validated on the way back in. Keyset, never OFFSET. */
import type { z } from 'zod';
import { AppError } from './errors.js';

/** Encodes a page position (any JSON value) as a cursor string. */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/**
 * Decodes a cursor made by encodeCursor and checks it against `schema`.
 * @throws AppError 400 `invalid_cursor` for a cursor that was not made by us for this listing
 */
export function decodeCursor<T>(cursor: string, schema: z.ZodType<T>): T {
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    position = undefined;
  }
  const parsed = schema.safeParse(position);
  if (!parsed.success) {
    throw new AppError({
      code: 'invalid_cursor',
      message: 'invalid cursor: pass back the nextCursor of a previous page of the same listing',
    });
  }
  return parsed.data;
}

/** A score as PostgreSQL prints a numeric(…, 3): "-12.5", "3". */
const SCORE_KEY = /^-?\d{1,9}(\.\d{1,3})?$/;
/** A timestamptz as PostgreSQL prints it: "2026-12-02 06:09:20.123456+00" (offset hours, optional minutes). */
const TIME_KEY = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d{1,6})?[+-](\d\d)(:\d\d)?$/;

/** True when `value` is a real calendar time in PostgreSQL's text form (no 2026-02-30, no 25:00). */
function isTimestampKey(value: string): boolean {
  const match = TIME_KEY.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60
  );
}

/**
 * True when a review-queue cursor's sort value fits its sort: a score for `score`, a timestamp for `oldest` and
 * `newest`. A forged cursor whose key does not fit would otherwise fail PostgreSQL's cast (a 500).
 */
export function sortKeyFits(sort: string, sortValue: string): boolean {
  return sort === 'score' ? SCORE_KEY.test(sortValue) : isTimestampKey(sortValue);
}

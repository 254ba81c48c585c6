/** Opaque pagination cursors: the last item's sort key, base64url-encoded JSON. Keyset, never OFFSET. */
import { badRequest } from '../errors.js';

/** Encodes a sort key (e.g. ["3.500", "<uuid>"]) as a cursor string. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * Decodes a cursor made by encodeCursor.
 * @param length the number of parts the sort key must have
 * @throws AppError 400 for a cursor that was not made by us
 */
export function decodeCursor(cursor: string, length: number): string[] {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === length && key.every((part) => typeof part === 'string')) return key;
  } catch {
    // fall through to the 400
  }
  throw badRequest('invalid cursor: pass back the nextCursor of a previous page');
}

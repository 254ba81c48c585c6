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

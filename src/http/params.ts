/** Parsing helpers shared by the routes. */
import { z } from 'zod';
import { notFound } from '../errors.js';
import { isStorableText } from '../text.js';

const uuid = z.uuid();

/**
 * The `:id` route parameter as an image id, in lower case as PostgreSQL writes UUIDs; anything that is not a UUID
 * names no image (404). One case matters beyond the database, which ignores it: the serving cache and the per-image
 * report limit are keyed by the id, and a block is announced by the id PostgreSQL writes, so `/i/<ID IN CAPITALS>`
 * would otherwise keep serving a blocked image from memory.
 */
export function imageIdParam(value: unknown): string {
  const parsed = uuid.safeParse(value);
  if (!parsed.success) throw notFound('image');
  return parsed.data.toLowerCase();
}

/** A free-text field (a note, a filter) of at most `maxLength` characters, trimmed; NUL and lone surrogates are refused. */
export function textField(maxLength: number) {
  return z.string().trim().max(maxLength).refine(isStorableText, { message: 'contains a NUL character or invalid UTF-16' });
}

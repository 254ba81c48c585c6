/** Parsing helpers shared by the routes. */
import { z } from 'zod';
import { notFound } from '../errors.js';
import { isStorableText } from '../text.js';

const uuid = z.uuid();

/** The `:id` route parameter as an image id; anything that is not a UUID names no image (404). */
export function imageIdParam(value: unknown): string {
  const parsed = uuid.safeParse(value);
  if (!parsed.success) throw notFound('image');
  return parsed.data;
}

/** A free-text field (a note, a filter) of at most `maxLength` characters, trimmed; NUL and lone surrogates are refused. */
export function textField(maxLength: number) {
  return z.string().trim().max(maxLength).refine(isStorableText, { message: 'contains a NUL character or invalid UTF-16' });
}

/** Parsing helpers shared by the routes. */
import { z } from 'zod';
import { notFound } from '../errors.js';

const uuid = z.uuid();

/** The `:id` route parameter as an image id; anything that is not a UUID names no image (404). */
export function imageIdParam(value: unknown): string {
  const parsed = uuid.safeParse(value);
  if (!parsed.success) throw notFound('image');
  return parsed.data;
}

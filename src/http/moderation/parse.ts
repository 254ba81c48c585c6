/** Request parsing shared by the moderation routes. */
import { z } from 'zod';
import { badRequest } from '../../errors.js';

/** Items per page of a moderation listing: 1–100, 25 by default. */
export const pageLimit = z.coerce.number().int().min(1).max(100).default(25);

/**
 * Parses `value` (a body or query; missing counts as `{}`) with `schema`.
 * @throws AppError 400 `bad_request` naming `what` and every invalid field
 */
export function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw badRequest(`invalid ${what}: ${z.prettifyError(result.error).replaceAll('\n', ' ')}`);
  return result.data;
}

/** The links moderators use to look at an image: the blurred review image and, on request, the original. */
export function reviewLinks(id: string): { previewUrl: string; originalUrl: string } {
  return {
    previewUrl: `/v1/moderation/images/${id}/preview`,
    originalUrl: `/v1/moderation/images/${id}/original`,
  };
}

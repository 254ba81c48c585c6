/** Use case: read an image's record together with its open report count and score. */
import type { Deps } from '../deps.js';
import { findImage, findImageByExternalId, type ImageRow } from '../db/images.repository.js';
import { listOpenReports } from '../db/reports.repository.js';
import { scoreReports, type Score } from '../domain/reports.js';
import { notFound } from '../errors.js';
import { siteMayAccess } from '../domain/sites.js';

/**
 * @param scope the site whose images the caller may see; null for every site (moderators)
 * @returns the image row and the score of its open reports
 * @throws AppError 404 for an unknown id, or an image of another site (the same answer)
 */
export async function getImageWithScore(
  deps: Pick<Deps, 'pool'>,
  input: { imageId: string; scope: string | null },
): Promise<{ image: ImageRow; score: Score }> {
  const { imageId } = input;
  const image = await findImage(deps.pool, imageId);
  if (!image || !siteMayAccess(input.scope, image.siteId)) throw notFound('image');
  return { image, score: scoreReports(await listOpenReports(deps.pool, imageId)) };
}

/**
 * Finds the image a site registered under `externalId` (external ids are the site's own), with its score.
 * @throws AppError 404 when no image has that external id
 */
export async function getImageByExternalId(
  deps: Pick<Deps, 'pool'>,
  input: { siteId: string; externalId: string },
): Promise<{ image: ImageRow; score: Score }> {
  const image = await findImageByExternalId(deps.pool, input);
  if (!image) throw notFound('image');
  return { image, score: scoreReports(await listOpenReports(deps.pool, image.id)) };
}

/** Use case: read an image's record together with its open report count and score. */
import type { Deps } from '../deps.js';
import { findImage, findImageByExternalId, type ImageRow } from '../db/images.repository.js';
import { listOpenReports } from '../db/reports.repository.js';
import { scoreReports, type Score } from '../domain/reports.js';
import { notFound } from '../errors.js';

/**
 * @returns the image row and the score of its open reports
 * @throws AppError 404 for an unknown id
 */
export async function getImageWithScore(deps: Pick<Deps, 'pool'>, imageId: string): Promise<{ image: ImageRow; score: Score }> {
  const image = await findImage(deps.pool, imageId);
  if (!image) throw notFound('image');
  return { image, score: scoreReports(await listOpenReports(deps.pool, imageId)) };
}

/**
 * Finds the image a site registered under `externalId`, with its score.
 * @throws AppError 404 when no image has that external id
 */
export async function getImageByExternalId(deps: Pick<Deps, 'pool'>, externalId: string): Promise<{ image: ImageRow; score: Score }> {
  const image = await findImageByExternalId(deps.pool, externalId);
  if (!image) throw notFound('image');
  return { image, score: scoreReports(await listOpenReports(deps.pool, image.id)) };
}

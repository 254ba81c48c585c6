/**
 * Use case: register an image a site already hosts, by its URL. imgmod fetches the file itself under the outbound
 * rules (src/outbound/safe-fetch.ts: only the site's hosts, only public addresses, at most 3 redirects, the upload
 * size and FETCH_TIMEOUT_MS enforced while streaming, no cookies or credentials), then hands the bytes to the very
 * intake an upload goes through (uploadImage: type, size and integrity checks, storage, outbox).
 */
import type { Deps } from '../deps.js';
import { findImageByExternalId, type ImageRow } from '../db/images.repository.js';
import { AppError } from '../errors.js';
import { safeFetch, type Resolver } from '../outbound/safe-fetch.js';
import { uploadImage } from './upload-image.js';

/**
 * Fetches the file at `url` for the upload intake.
 * @param input.allowedHosts the hosts the site lists (`example.com`, `*.example.com`)
 * @param input.resolver injected name resolution (tests)
 * @returns the body's bytes, at most MAX_UPLOAD_BYTES
 * @throws AppError 422 `url_not_allowed`, `url_resolves_to_private_address`, `too_many_redirects`, `fetch_too_large`,
 *   `fetch_timeout`, `fetch_failed` (also for an answer other than 2xx, with `details.status`)
 */
export async function fetchImageBytes(
  deps: Pick<Deps, 'config'>,
  input: { url: string; allowedHosts: readonly string[]; resolver?: Resolver },
): Promise<Buffer> {
  const answer = await safeFetch(input.url, {
    allowedHosts: input.allowedHosts,
    maxBytes: deps.config.MAX_UPLOAD_BYTES,
    timeoutMs: deps.config.FETCH_TIMEOUT_MS,
    headers: { accept: 'image/*', 'user-agent': 'imgmod/1 (image registration)' },
    allowLoopback: deps.config.OUTBOUND_ALLOW_LOOPBACK,
    ...(input.resolver ? { resolver: input.resolver } : {}),
  });
  if (answer.status < 200 || answer.status > 299)
    throw new AppError({ code: 'fetch_failed', message: `the URL answered ${answer.status}`, details: { status: answer.status } });
  return answer.body;
}

/**
 * Registers the image at `url` as an upload of `siteId` by `uploaderId`, with the site's own `externalId` (unique
 * within the site) when given.
 * @returns the new image (status `processing`)
 * @throws AppError 409 `external_id_taken` (checked before fetching, and again on insert), the fetch's 422s
 *   (fetchImageBytes), and the upload intake's 400/415/422 (uploadImage)
 */
export async function registerImageByUrl(
  deps: Pick<Deps, 'config' | 'pool' | 'storage'>,
  input: { url: string; externalId?: string; allowedHosts: readonly string[]; siteId: string; uploaderId: string; resolver?: Resolver },
): Promise<ImageRow> {
  if (input.externalId !== undefined) {
    const existing = await findImageByExternalId(deps.pool, { siteId: input.siteId, externalId: input.externalId });
    if (existing)
      throw new AppError({
        code: 'external_id_taken',
        message: `externalId "${input.externalId}" is already registered`,
        details: { imageId: existing.id },
      });
  }
  const bytes = await fetchImageBytes(deps, input);
  return uploadImage(deps, {
    siteId: input.siteId,
    uploaderId: input.uploaderId,
    bytes,
    ...(input.externalId !== undefined ? { externalId: input.externalId } : {}),
  });
}

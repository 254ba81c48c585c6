/**
 * Test helpers for the moderation API: JSON requests as a moderator or reader, decisions with their options,
 * and images reported by readers of their own, so each test works only on images and readers it made.
 */
import { expect } from 'vitest';
import { imageRecord } from './records.js';
import { waitFor, type TestService } from './test-service.js';

/** The moderator most tests act as. */
export const MOD = { as: 'mod-1', role: 'moderator' as const };

/** POSTs `body` as JSON to `path`, as the user (and role) in `as`. */
export function postJson(
  service: TestService,
  path: string,
  body: unknown,
  as: { as: string; role?: 'reader' | 'moderator' },
): Promise<Response> {
  return service.request(path, { method: 'POST', ...as, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Reports the image as the first-party reader `reader` with `reason` (default spam). */
export function reportFor(service: TestService, imageId: string, reader: string, reason = 'spam'): Promise<Response> {
  return postJson(service, `/v1/images/${imageId}/reports`, { reason }, { as: reader });
}

/** A moderator's decision on one image: `body` holds the action and optionally note and expectedStatus. */
export function decide(
  service: TestService,
  imageId: string,
  body: { action: string; note?: string; expectedStatus?: string },
  moderator = MOD.as,
): Promise<Response> {
  return postJson(service, `/v1/moderation/images/${imageId}/decision`, body, { as: moderator, role: 'moderator' });
}

/** The response body, typed as the caller expects it. */
export async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/**
 * A new distinct visible image reported by `count` readers of its own (`reader-<image id>-<n>`); waits until
 * evaluation settled: auto-blocked from 3 reports (the default threshold), else visible, with score `count`.
 * @returns the image id
 */
export async function reportedImage(service: TestService, count: number, reason = 'spam'): Promise<string> {
  const id = await service.uploadDistinct();
  for (let i = 0; i < count; i++) expect((await reportFor(service, id, `reader-${id}-${i}`, reason)).status).toBe(202);
  const expected = count >= 3 ? 'auto_blocked' : 'visible';
  await waitFor(async () => {
    const image = await imageRecord(service, id);
    return image.status === expected && image.score === count;
  });
  return id;
}

/**
 * Upholds every image waiting in the auto-blocked queue (as `mod-cleanup`), so a test that counts the queue's
 * rows starts from an empty queue whatever ran before it in the file. (Those images move to the blocked queue.)
 */
export async function clearAutoBlockedQueue(service: TestService): Promise<void> {
  const queue = await service.request('/v1/moderation/queue?limit=100', { as: 'mod-cleanup', role: 'moderator' });
  const { items } = await json<{ items: { id: string }[] }>(queue);
  if (items.length === 0) return;
  const response = await postJson(
    service,
    '/v1/moderation/decisions',
    { ids: items.map((item) => item.id), action: 'uphold' },
    { as: 'mod-cleanup', role: 'moderator' },
  );
  expect(response.status).toBe(200);
}

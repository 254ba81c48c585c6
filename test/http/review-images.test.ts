/** What moderators get when they look at an image under review: the preview's and the original's answers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { originalKey } from '../../src/storage/keys.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { forceStatus } from '../helpers/records.js';

let service: TestService;
beforeAll(async () => {
  // No workers: images stay `processing` until a test moves them.
  service = await startTestService({ workers: false });
});
afterAll(() => service.close());

async function uploaded(): Promise<string> {
  const response = await service.upload('real/concert.jpg');
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

async function errorOf(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

describe('the review preview', () => {
  it('when the review image is not made yet, then 503 image_processing with Retry-After', async () => {
    const id = await uploaded();
    const response = await service.request(`/v1/moderation/images/${id}/preview`, { as: 'mod', role: 'moderator' });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await errorOf(response)).toBe('image_processing');
  });

  it('when the image was removed, then 410 image_purged', async () => {
    const id = await uploaded();
    await forceStatus(service, id, 'removed');
    const response = await service.request(`/v1/moderation/images/${id}/preview`, { as: 'mod', role: 'moderator' });
    expect(response.status).toBe(410);
    expect(await errorOf(response)).toBe('image_purged');
  });
});

describe('the original', () => {
  it('when the original is there, then a moderator gets its bytes, private and never cached', async () => {
    const id = await uploaded();
    const response = await service.request(`/v1/moderation/images/${id}/original`, { as: 'mod', role: 'moderator' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(response.headers.get('cache-control')).toBe('private, no-store');
  });

  it('when the original is gone from storage, then 404 original_missing', async () => {
    const id = await uploaded();
    await service.deps.storage.delete(originalKey(id));
    const response = await service.request(`/v1/moderation/images/${id}/original`, { as: 'mod', role: 'moderator' });
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toBe('original_missing');
  });

  it('when a reader asks for it, then 403 forbidden', async () => {
    const id = await uploaded();
    const response = await service.request(`/v1/moderation/images/${id}/original`, { as: 'reader' });
    expect(response.status).toBe(403);
    expect(await errorOf(response)).toBe('forbidden');
  });
});

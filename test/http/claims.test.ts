/** Claims (two moderators never review the same picture unknowingly) and the uploader's context in the review detail. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, waitFor, type TestService } from '../helpers/test-service.js';
import { expireClaim, hasClaim } from '../helpers/records.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service?.close());

async function autoBlocked(uploader: string): Promise<string> {
  const id = await service.uploadDistinct(uploader);
  for (const reader of ['ana', 'ben', 'cleo']) expect((await service.report(id, `${reader}-${id}`, { reason: 'spam' })).status).toBe(202);
  await waitFor(async () => (await service.status(id)) === 'auto_blocked');
  return id;
}

interface Detail {
  claim: { moderatorId: string; mine: boolean };
  uploader: { byStatus: Record<string, number>; recent: { id: string }[] };
}

const detail = async (id: string, moderator: string) =>
  (await (await service.request(`/v1/moderation/images/${id}`, { as: moderator, role: 'moderator' })).json()) as Detail;

describe('claims', () => {
  it('when one moderator opens an image, then it shows as taken to the others until it expires or is decided', async () => {
    const id = await autoBlocked('claims-uploader');
    expect((await detail(id, 'mod-ines')).claim).toMatchObject({ moderatorId: 'mod-ines', mine: true });
    expect((await detail(id, 'mod-omar')).claim).toMatchObject({ moderatorId: 'mod-ines', mine: false });
    const queue = (await (await service.request('/v1/moderation/queue', { as: 'mod-omar', role: 'moderator' })).json()) as {
      items: { id: string; claimedBy: string | null }[];
    };
    expect(queue.items.find((item) => item.id === id)?.claimedBy).toBe('mod-ines');

    await expireClaim(service, id);
    expect((await detail(id, 'mod-omar')).claim).toMatchObject({ moderatorId: 'mod-omar', mine: true });
    const decided = await service.request(`/v1/moderation/images/${id}/decision`, {
      method: 'POST',
      as: 'mod-omar',
      role: 'moderator',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'uphold' }),
    });
    expect(decided.status).toBe(200);
    expect(await hasClaim(service, id)).toBe(false);
  });

  it("when a moderator opens an image, then they see how the uploader's other images were decided", async () => {
    const first = await autoBlocked('serial-uploader');
    await service.request(`/v1/moderation/images/${first}/decision`, {
      method: 'POST',
      as: 'mod-ines',
      role: 'moderator',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'remove' }),
    });
    await service.uploadDistinct('serial-uploader');
    const second = await autoBlocked('serial-uploader');
    const context = (await detail(second, 'mod-ines')).uploader;
    expect(context.byStatus).toEqual({ removed: 1, visible: 1, auto_blocked: 1 });
    expect(context.recent.map((image) => image.id)[0]).toBe(second);
  });
});

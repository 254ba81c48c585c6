/** The audit log through the API: filtering by actor, system and image, paging newest first, and the since filter. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { decide, json, MOD, reportedImage } from '../helpers/moderation.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

describe('audit log', () => {
  it('when filtering by actor and paging, then events come newest first without repeats', async () => {
    const id = await reportedImage(service, 3);
    const auditor = `auditor-${id.slice(0, 8)}`; // an actor no other test decides as
    await decide(service, id, { action: 'restore' }, auditor);
    type Page = { items: { id: number; actor: string; action: string }[]; nextCursor: string | null };
    const byActor = await json<Page>(await service.request(`/v1/moderation/audit?actor=${auditor}`, MOD));
    expect(byActor.items).toEqual([expect.objectContaining({ actor: auditor, action: 'restore' })]);
    const system = await json<Page>(await service.request(`/v1/moderation/audit?actor=system&image=${id}`, MOD));
    expect(system.items.map((event) => event.action)).toEqual(['auto_block', 'processed']);

    const first = await json<Page>(await service.request(`/v1/moderation/audit?image=${id}&limit=2`, MOD));
    const second = await json<Page>(await service.request(`/v1/moderation/audit?image=${id}&limit=2&cursor=${first.nextCursor}`, MOD));
    expect([...first.items, ...second.items].map((event) => event.action)).toEqual(['restore', 'auto_block', 'processed']);
    expect(second.nextCursor).toBeNull();
    const future = await json<Page>(
      await service.request(`/v1/moderation/audit?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, MOD),
    );
    expect(future.items).toEqual([]);
  });
});

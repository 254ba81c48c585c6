/** Serving with validators: a client that holds the current bytes gets 304; a block is never hidden behind one. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideAs, startTestService, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

describe('ETag and If-None-Match on /i/:id', () => {
  it.each(['', '/thumb'])(
    'when a client revalidates %s with the ETag it holds, then 304 without the bytes; after a block, 410',
    async (suffix) => {
      const id = await service.uploadDistinct();
      const first = await service.request(`/i/${id}${suffix}`);
      expect(first.status).toBe(200);
      const etag = first.headers.get('etag')!;
      expect(etag).toMatch(/^"[^"]+"$/); // strong
      expect((await first.arrayBuffer()).byteLength).toBeGreaterThan(0);

      const again = await service.request(`/i/${id}${suffix}`, { headers: { 'if-none-match': etag } });
      expect(again.status).toBe(304);
      expect((await again.arrayBuffer()).byteLength).toBe(0);
      expect(again.headers.get('etag')).toBe(etag);

      const other = await service.request(`/i/${id}${suffix}`, { headers: { 'if-none-match': '"something-else"' } });
      expect(other.status).toBe(200);

      expect((await decideAs(service, id, 'uphold')).status).toBe(200);
      const blocked = await service.request(`/i/${id}${suffix}`, { headers: { 'if-none-match': etag } });
      expect(blocked.status).toBe(410);
      expect(blocked.headers.get('cache-control')).toBe('no-store');
    },
  );

  it('when the display image and the thumbnail are served, then their ETags differ', async () => {
    const id = await service.uploadDistinct();
    const display = (await service.request(`/i/${id}`)).headers.get('etag');
    const thumbnail = (await service.request(`/i/${id}/thumb`)).headers.get('etag');
    expect(display).not.toBe(thumbnail);
  });
});

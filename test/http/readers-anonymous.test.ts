/**
 * Anonymous readers: the signed reader cookie a browser gets (and keeps), how their reports are weighed
 * (0.5, low-trust, one per /24 or /56 network), and that no client address is ever stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestService } from '../helpers/test-service.js';
import { rawReportsOf, scoreReaches } from '../helpers/records.js';
import { anonymousReader, asReader, errorCode, freshNetwork, readerReports, reportAs, startReaderService } from '../helpers/readers.js';

let service: TestService;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ service, close } = await startReaderService());
});
afterAll(() => close?.());

describe('anonymous readers', () => {
  it('when a browser asks for a reader id, then it gets a signed HttpOnly cookie, and the same id while it keeps it', async () => {
    const ip = freshNetwork();
    const first = await asReader(service, '/v1/readers/anonymous', { ip }, { method: 'POST' });
    expect(first.status).toBe(201);
    const setCookie = first.headers.getSetCookie()[0]!;
    expect(setCookie).toMatch(/^imgmod_reader=[0-9a-f-]{36}\.[\w-]{43}; Max-Age=31536000; Path=\/; Expires=.*; HttpOnly; SameSite=Lax$/);
    const { readerId } = (await first.json()) as { readerId: string };
    expect(readerId).toMatch(/^anon:[0-9a-f-]{36}$/);
    const cookie = setCookie.split(';')[0]!;

    const again = await asReader(service, '/v1/readers/anonymous', { ip, cookie }, { method: 'POST' });
    expect(again.status).toBe(200);
    expect(again.headers.getSetCookie()).toEqual([]);
    expect(await again.json()).toEqual({ readerId, siteId: 'default' });

    const forged = await asReader(
      service,
      '/v1/readers/anonymous',
      { ip, cookie: cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) },
      { method: 'POST' },
    );
    expect(forged.status).toBe(201);
    expect(((await forged.json()) as { readerId: string }).readerId).not.toBe(readerId);
  });

  it('when served over TLS behind the proxy, then the cookie is SameSite=None; Secure; Partitioned', async () => {
    const response = await asReader(
      service,
      '/v1/readers/anonymous',
      { ip: freshNetwork() },
      { method: 'POST', headers: { 'x-forwarded-proto': 'https' } },
    );
    expect(response.headers.getSetCookie()[0]).toMatch(/; HttpOnly; Secure; Partitioned; SameSite=None$/);
  });

  it('when an anonymous reader reports, then the report weighs 0.5, is low-trust, and stores a network hash, never the address', async () => {
    const id = await service.uploadDistinct();
    const reader = await anonymousReader(service, '203.0.113.45');
    expect((await reportAs(service, id, reader)).status).toBe(202);
    const [row] = await readerReports(service, id);
    expect(row).toMatchObject({ reporterId: reader.readerId, reporterKind: 'anonymous', weight: 0.5, lowTrust: true });
    expect(row!.networkHash).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(await rawReportsOf(service, id))).not.toMatch(/203\.0\.113/);
    // The moderator sees what this reader's next report would weigh: the anonymous weight, not an ordinary 1.
    const detail = await service.request(`/v1/moderation/images/${id}`, { as: 'mod', role: 'moderator' });
    const { reporters } = (await detail.json()) as { reporters: { reporterId: string; currentWeight: number }[] };
    expect(reporters).toEqual([expect.objectContaining({ reporterId: reader.readerId, currentWeight: 0.5 })]);
  });

  it('when a request has no token and no reader cookie, then 401', async () => {
    const id = await service.uploadDistinct();
    expect(await errorCode(await reportAs(service, id, { ip: freshNetwork() }))).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('when two readers of one /24 report an image, then it counts once; another network counts again', async () => {
    const id = await service.uploadDistinct();
    for (const ip of ['198.51.100.5', '198.51.100.77', '192.0.2.9']) {
      expect((await reportAs(service, id, await anonymousReader(service, ip))).status).toBe(202);
    }
    expect((await readerReports(service, id)).map((row) => row.weight)).toEqual([0.5, 0, 0.5]);
    await scoreReaches(service, id, 1);
  });
});

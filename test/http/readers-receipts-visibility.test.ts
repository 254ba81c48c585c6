/**
 * What a reader's browser can ask: their own reports with outcomes (receipts), which images to hide
 * (visibility), and the CORS answers that let an allowed host site ask at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideAs, waitFor, type TestService } from '../helpers/test-service.js';
import {
  ALLOWED_ORIGIN,
  anonymousReader,
  asReader,
  errorCode,
  freshNetwork,
  newsToken,
  reportAs,
  startReaderService,
  NEWS_UPLOADER,
} from '../helpers/readers.js';

let service: TestService;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ service, close } = await startReaderService());
});
afterAll(() => close?.());

describe('receipts', () => {
  it('when a reader lists their reports, then each shows its outcome and nothing about other reporters', async () => {
    const [kept, dismissed, open] = [
      await service.uploadDistinct(NEWS_UPLOADER),
      await service.uploadDistinct(NEWS_UPLOADER),
      await service.uploadDistinct(NEWS_UPLOADER),
    ];
    const me = `receipts-${Date.now()}`;
    for (const id of [kept, dismissed]) {
      for (const [i, sub] of [me, `${me}-other-1`, `${me}-other-2`].entries()) {
        const token = await newsToken({ sub });
        expect((await reportAs(service, id, { token, ip: freshNetwork() })).status, `report ${i}`).toBe(202);
      }
      await waitFor(async () => (await service.status(id)) === 'auto_blocked');
    }
    expect((await decideAs(service, kept, 'uphold')).status).toBe(200);
    expect((await decideAs(service, dismissed, 'restore')).status).toBe(200);
    // My third report within 3 s is rate-limited: retried until the window lets it through.
    await waitFor(async () => (await reportAs(service, open, { token: await newsToken({ sub: me }) })).status === 202, 5_000);

    const response = await asReader(service, '/v1/me/reports', { token: await newsToken({ sub: me }) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { readerId: string; reports: Record<string, unknown>[] };
    expect(body.readerId).toBe(`news:${me}`);
    expect(body.reports.map((report) => [report.imageId, report.outcome])).toEqual([
      [open, 'open'],
      [dismissed, 'dismissed'],
      [kept, 'upheld'],
    ]);
    expect(Object.keys(body.reports[0]!).sort()).toEqual(['createdAt', 'decidedAt', 'imageId', 'note', 'outcome', 'reason', 'reportId']);
    expect(JSON.stringify(body)).not.toContain('other');
  });

  it('when an anonymous reader lists their reports, then the cookie identifies them; without it, 401', async () => {
    const id = await service.uploadDistinct();
    const reader = await anonymousReader(service, freshNetwork());
    await reportAs(service, id, reader, 'hate');
    const mine = (await (await asReader(service, '/v1/me/reports', reader)).json()) as {
      readerId: string;
      kind: string;
      reports: { imageId: string; reason: string; outcome: string }[];
    };
    expect(mine).toMatchObject({
      readerId: reader.readerId,
      kind: 'anonymous',
      reports: [{ imageId: id, reason: 'hate', outcome: 'open' }],
    });
    expect((await asReader(service, '/v1/me/reports', { ip: reader.ip })).status).toBe(401);
  });
});

describe('visibility and CORS', () => {
  it('when the widget asks about images, then blocked ones are hidden; bad ids are 400', async () => {
    const visible = await service.uploadDistinct();
    const blocked = await service.uploadDistinct();
    for (const reader of ['v1', 'v2', 'v3']) await service.report(blocked, `${reader}-${blocked}`);
    await waitFor(async () => (await service.status(blocked)) === 'auto_blocked');
    const unknown = '00000000-0000-4000-8000-000000000000';
    const response = await service.request(`/v1/visibility?ids=${visible},${blocked},${unknown}`);
    expect(await response.json()).toEqual({ images: { [visible]: 'visible', [blocked]: 'hidden' } });
    // A page that writes ids in capitals finds its answers under the ids it wrote.
    const shouted = await service.request(`/v1/visibility?ids=${visible.toUpperCase()},${blocked.toUpperCase()}`);
    expect(await shouted.json()).toEqual({ images: { [visible.toUpperCase()]: 'visible', [blocked.toUpperCase()]: 'hidden' } });
    for (const ids of ['', 'nope', Array(101).fill(unknown).join(',')]) {
      expect(await errorCode(await service.request(`/v1/visibility?ids=${ids}`))).toMatchObject({ status: 400, code: 'bad_request' });
    }
  });

  it('when an allowed origin calls, then CORS allows it with credentials; another origin gets 403', async () => {
    const preflight = await asReader(
      service,
      '/v1/images/x/reports',
      { origin: ALLOWED_ORIGIN },
      { method: 'OPTIONS', headers: { 'access-control-request-method': 'POST' } },
    );
    expect(preflight.status).toBe(204);
    expect(Object.fromEntries([...preflight.headers].filter(([name]) => name.startsWith('access-control')))).toEqual({
      'access-control-allow-origin': ALLOWED_ORIGIN,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'authorization, content-type',
      'access-control-expose-headers': 'Retry-After',
      'access-control-max-age': '600',
    });
    const issued = await asReader(service, '/v1/readers/anonymous', { origin: ALLOWED_ORIGIN, ip: freshNetwork() }, { method: 'POST' });
    expect(issued.status).toBe(201);
    expect(issued.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);

    const foreign = await asReader(
      service,
      '/v1/readers/anonymous',
      { origin: 'https://evil.example', ip: freshNetwork() },
      { method: 'POST' },
    );
    expect(await errorCode(foreign)).toMatchObject({ status: 403, code: 'origin_not_allowed' });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    for (const path of ['/V1/readers/anonymous', '/v1/Readers/Anonymous', '/v1/readers/anonymous/']) {
      const variant = await asReader(service, path, { origin: 'https://evil.example', ip: freshNetwork() }, { method: 'POST' });
      expect([path, variant.status]).toEqual([path, 403]);
    }
  });
});

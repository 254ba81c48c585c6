/**
 * Report rate limits as readers meet them: per signed reader, per anonymous network, refunds for clicks that
 * record nothing, and none for first-party tokens. Every test has readers and networks of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestService } from '../helpers/test-service.js';
import {
  anonymousReader,
  errorCode,
  freshNetwork,
  newsToken,
  readerReports,
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

describe('rate limits', () => {
  it('when a signed reader sends a third report within 3 s, then 429 with Retry-After', async () => {
    const ids = [
      await service.uploadDistinct(NEWS_UPLOADER),
      await service.uploadDistinct(NEWS_UPLOADER),
      await service.uploadDistinct(NEWS_UPLOADER),
    ];
    const token = await newsToken({ sub: `hasty-${Date.now()}` });
    const statuses = [];
    for (const id of ids) statuses.push(await reportAs(service, id, { token }));
    expect(statuses.map((response) => response.status)).toEqual([202, 202, 429]);
    const limited = statuses[2]!;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(3);
    expect(await errorCode(limited)).toMatchObject({ code: 'rate_limited' });
    expect(await readerReports(service, ids[2]!)).toEqual([]);
  });

  it('when a reader clicks again on a reported image or reports an unknown one, then it costs no report', async () => {
    const token = await newsToken({ sub: `clicker-${Date.now()}` });
    const [first, second] = [await service.uploadDistinct(NEWS_UPLOADER), await service.uploadDistinct(NEWS_UPLOADER)];
    const statuses = [];
    for (const id of [first, first, first, '00000000-0000-4000-8000-000000000000', second]) {
      statuses.push((await reportAs(service, id, { token })).status);
    }
    expect(statuses).toEqual([202, 200, 200, 404, 202]);
  });

  it('when anonymous readers of one network send a seventh report within 3 s, then 429 for that network only', async () => {
    const id = await service.uploadDistinct();
    const network = freshNetwork();
    const readers = [];
    for (let i = 0; i < 7; i++) readers.push(await anonymousReader(service, network.replace(/\d+$/, String(10 + i))));
    const statuses = [];
    for (const reader of readers) statuses.push((await reportAs(service, id, reader)).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 202, 429]);
    expect((await reportAs(service, id, await anonymousReader(service, freshNetwork()))).status).toBe(202);
  });

  it("when first-party tokens report, then they are not limited (the operator's own tools)", async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await reportAs(service, await service.uploadDistinct(), { token: await service.token('tool') })).status);
    expect(statuses).toEqual([202, 202, 202]);
  });
});

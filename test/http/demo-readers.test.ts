/**
 * The demo's readers and photos are a sandbox both ways: demo readers cannot block a real upload through its
 * demo copy, real readers cannot block the demo's copy, and demo readers may report demo photos only.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDemoReaderToken } from '../../src/demo/demo-site.js';
import { evaluationsSettled, fixture, waitFor, type TestService } from '../helpers/test-service.js';
import { errorCode, reportAs, startReaderService } from '../helpers/readers.js';

let service: TestService;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ service, close } = await startReaderService());
});
afterAll(() => close?.());

describe('the demo sandbox', () => {
  it('when demo readers report a demo photo, then a real upload of the same picture is not blocked through it', async () => {
    const photo = await fixture('real/Landscape_6.jpg');
    const demoCopy = await service.uploadProcessed(photo, 'demo-site');
    const realCopy = await service.uploadProcessed(await sharp(photo).rotate().jpeg({ quality: 80 }).toBuffer(), 'someone');
    for (const reader of ['ana', 'ben', 'chloe'] as const) {
      expect((await reportAs(service, demoCopy, { token: await signDemoReaderToken(service.deps.config, reader) })).status).toBe(202);
    }
    await waitFor(async () => (await service.status(demoCopy)) === 'auto_blocked');
    await evaluationsSettled(service);
    expect(await service.status(realCopy)).toBe('visible');
  });

  it("when readers block a real upload, then the demo's copy of the picture stays up: the demo is a sandbox both ways", async () => {
    const photo = await fixture('real/Portrait_8.jpg');
    const realCopy = await service.uploadProcessed(photo, 'someone');
    // First-party readers: the real copy belongs to the first-party site, as the demo photos do.
    for (const sub of ['ria', 'sam', 'tom']) expect((await service.report(realCopy, `${sub}-${realCopy}`)).status).toBe(202);
    await waitFor(async () => (await service.status(realCopy)) === 'auto_blocked');
    const demoCopy = await service.uploadProcessed(await sharp(photo).rotate().jpeg({ quality: 80 }).toBuffer(), 'demo-site');
    await evaluationsSettled(service);
    expect(await service.status(demoCopy)).toBe('visible');
  });

  it('when a demo reader reports an image that is not a demo photo, then 403 demo_reader: anyone can get their tokens', async () => {
    const token = await signDemoReaderToken(service.deps.config, 'ben');
    const response = await reportAs(service, await service.uploadDistinct(), { token });
    expect(await errorCode(response)).toMatchObject({ status: 403, code: 'demo_reader' });
  });
});

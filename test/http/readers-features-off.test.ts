/**
 * A deployment that turns reader features off: anonymous reports off, demo mode off, and a signed-reader
 * site whose JWKS address answers nothing. A default deployment answers alongside, for contrast.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDemoReaderToken } from '../../src/demo/demo-site.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { ALLOWED_ORIGIN, asReader, blogToken, errorCode, reportAs, startReaderService, type JwksSite } from '../helpers/readers.js';

let service: TestService;
let closeService: () => Promise<void>;
let closed: TestService;
/** BLOG's keys: they sign the stranded readers' tokens, which the closed deployment cannot check. */
let keys: JwksSite;
beforeAll(async () => {
  ({ service, jwks: keys, close: closeService } = await startReaderService());
  // A site whose JWKS address answers nothing: its readers' tokens cannot be checked.
  const gone = JSON.stringify([{ id: 'gone', issuer: 'https://gone.example', jwksUrl: 'http://127.0.0.1:1/jwks.json' }]);
  closed = await startTestService({
    workers: false,
    env: { ANONYMOUS_REPORTS: 'off', ALLOWED_ORIGINS: ALLOWED_ORIGIN, DEMO_MODE: 'off', SIGNED_READER_SITES: gone },
  });
});
afterAll(async () => {
  await closed?.close();
  await closeService?.();
});

/** Uploads a picture to the closed deployment (no workers: it stays processing, which reports accept). */
async function uploadToClosed(uploader: string): Promise<string> {
  return ((await (await closed.upload('real/concert.jpg', uploader)).json()) as { id: string }).id;
}

describe('a deployment with anonymous reports and demo mode off', () => {
  it('when a site turns anonymous reporting off, then no reader cookie is issued and token readers still report', async () => {
    const response = await asReader(closed, '/v1/readers/anonymous', { origin: ALLOWED_ORIGIN }, { method: 'POST' });
    expect(await errorCode(response)).toMatchObject({ status: 403, code: 'anonymous_reports_disabled' });
    expect(response.headers.getSetCookie()).toEqual([]);
    const id = await uploadToClosed('uploader-anonymous-off');
    expect((await reportAs(closed, id, { token: await closed.token('first-party-reader') })).status).toBe(202);
  });

  it('when DEMO_MODE is off, then /demo does not exist and demo reader tokens are refused', async () => {
    expect(await errorCode(await closed.request('/demo'))).toMatchObject({ status: 404, code: 'not_found' });
    const demoToken = await signDemoReaderToken(closed.deps.config, 'ana');
    const id = await uploadToClosed('uploader-demo-off');
    expect((await reportAs(closed, id, { token: demoToken })).status).toBe(401);
    expect(
      (await reportAs(service, await service.uploadDistinct('demo-site'), { token: await signDemoReaderToken(service.deps.config, 'ana') }))
        .status,
    ).toBe(202);
  });

  it("when a site's JWKS cannot be fetched, then 503 reader_keys_unavailable, not a 401 blaming the reader", async () => {
    const token = await blogToken(keys, { sub: 'stranded', issuer: 'https://gone.example' });
    const id = await uploadToClosed('uploader-jwks-gone');
    expect(await errorCode(await reportAs(closed, id, { token }))).toMatchObject({ status: 503, code: 'reader_keys_unavailable' });
  });
});

import { request, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { makeDerivatives } from '../../src/media/derivatives.js';
import { inspectImage } from '../../src/media/inspect.js';
import { MediaTimeoutError } from '../../src/media/sharp-settings.js';
import { processImage } from '../../src/images/process-image.js';
import { slowAnimation } from '../helpers/images.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { imageRecord } from '../helpers/records.js';

const limits = { maxInputPixels: 40_000_000, maxInputSide: 16_383, maxFrames: 100 };
let service: TestService;
let slow: Buffer;
beforeAll(async () => {
  slow = await slowAnimation();
  service = await startTestService({ workers: false, env: { UPLOAD_CONCURRENCY: '2', REQUEST_TIMEOUT_MS: '2000' } });
});
afterAll(() => service.close());

async function failureReason(imageId: string): Promise<string> {
  return (await imageRecord(service, imageId)).failureReason!;
}

describe('processing budgets', () => {
  it('when a valid 100-frame animation runs past a 200 ms budget, then it fails with a timeout within milliseconds of it, not seconds', async () => {
    const started = performance.now();
    const error = await makeDerivatives(slow, { ...limits, timeoutMs: 200 }).catch((caught: unknown) => caught);
    const tookMs = performance.now() - started;
    expect(error).toBeInstanceOf(MediaTimeoutError);
    expect(tookMs).toBeGreaterThanOrEqual(195);
    expect(tookMs).toBeLessThan(600); // sharp's own timeout alone rounds up to whole seconds (2.6 s were seen)
  });

  it('when the intake check runs out of time, then it is 422 processing_timeout, not image_corrupt', async () => {
    const error = await inspectImage(slow, { ...limits, timeoutMs: 5 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('processing_timeout');
  });

  it('when a job runs out of time twice, then the image fails with processing_timeout; when the larger second budget suffices, then it is published', async () => {
    const upload = await service.upload(slow);
    expect(upload.status).toBe(201);
    const { id } = (await upload.json()) as { id: string };
    const started = performance.now();
    await makeDerivatives(slow, { ...limits, timeoutMs: 60_000 });
    const fullMs = performance.now() - started;

    const tight = { ...service.deps, config: { ...service.deps.config, JOB_TIMEOUT_MS: 20 } };
    expect(await processImage(tight, id)).toBe('failed');
    expect(await failureReason(id)).toMatch(/^processing_timeout: /);

    const second = (await (await service.upload(slow, 'uploader-2')).json()) as { id: string };
    // Too short for one run, and three times that is ample: the retry publishes it.
    const retried = { ...service.deps, config: { ...service.deps.config, JOB_TIMEOUT_MS: Math.ceil(fullMs * 0.6) } };
    expect(await processImage(retried, second.id)).toBe('visible');
  });
});

/** Starts a multipart upload of `bytes` and sends only its first `sentBytes`; returns the request and its answer. */
function partialUpload(token: string, bytes: Buffer, sentBytes: number) {
  const boundary = 'imgmod-timeout-boundary';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.gif"\r\nContent-Type: image/gif\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const url = new URL(service.baseUrl);
  const req = request({
    host: url.hostname,
    port: url.port,
    path: '/v1/images',
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': body.length,
    },
  });
  const answered = new Promise<number | 'closed'>((resolve) => {
    req.on('response', (res: IncomingMessage) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', () => resolve('closed'));
  });
  req.write(body.subarray(0, sentBytes));
  return { finish: () => req.end(body.subarray(sentBytes)), answered };
}

describe('upload bounds', () => {
  it('when UPLOAD_CONCURRENCY uploads are being read, then another answers 503 too_many_uploads with Retry-After at once; the first two complete', async () => {
    const token = await service.token('uploader');
    const first = partialUpload(token, slow, 1000);
    const second = partialUpload(token, slow, 1000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const third = await service.upload(slow);
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(await third.json()).toMatchObject({ error: { code: 'too_many_uploads' } });
    first.finish();
    second.finish();
    expect([await first.answered, await second.answered]).toEqual([201, 201]);
    expect((await service.upload(slow)).status).toBe(201);
  });

  it("when an upload stalls, then it is cut after REQUEST_TIMEOUT_MS (408), not after Node's default 300 s", async () => {
    const token = await service.token('uploader');
    const started = performance.now();
    const stalled = partialUpload(token, slow, 1000);
    const answer = await stalled.answered;
    expect([408, 'closed']).toContain(answer);
    expect(performance.now() - started).toBeLessThan(6_000);
    expect((await service.upload(slow)).status).toBe(201); // its slot was given back
  });

  it('when an upload declares a body over MAX_UPLOAD_BYTES, then 413 before any of it is read', async () => {
    const token = await service.token('uploader');
    const url = new URL(service.baseUrl);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({
        host: url.hostname,
        port: url.port,
        path: '/v1/images',
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'multipart/form-data; boundary=x',
          'content-length': service.deps.config.MAX_UPLOAD_BYTES * 2,
        },
      });
      req.on('response', (res: IncomingMessage) => {
        res.resume();
        resolve(res.statusCode!);
        req.destroy();
      });
      req.on('error', reject);
      req.write('--x\r\n'); // nothing more is sent: the answer cannot depend on reading the body
    });
    expect(status).toBe(413);
  });
});

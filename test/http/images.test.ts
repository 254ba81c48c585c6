import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/app.js';
import { reportingOutages } from '../../src/storage/storage.js';
import { fixture, startTestService, waitFor, type TestService } from '../helpers/test-service.js';
import { forceStatus, forgetDisplay } from '../helpers/records.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ env: { MAX_UPLOAD_BYTES: String(1024 * 1024), MAX_INPUT_SIDE: '2000', MAX_FRAMES: '5' } });
});
afterAll(() => service.close());

describe('POST /v1/images', () => {
  it('when a reader uploads a real portrait photo, then its thumbnail is a portrait WebP within 320×320', async () => {
    const response = await service.upload('real/Portrait_8.jpg', 'alice');
    expect(response.status).toBe(201);
    const body = (await response.json()) as { id: string; status: string; url: string; thumbnailUrl: string };
    expect(body).toMatchObject({ status: 'processing', url: `/i/${body.id}`, thumbnailUrl: `/i/${body.id}/thumb` });

    await waitFor(async () => (await service.status(body.id)) === 'visible');
    const thumb = await service.request(body.thumbnailUrl);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    expect(thumb.headers.get('x-content-type-options')).toBe('nosniff');
    const meta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect(meta.format).toBe('webp');
    expect([meta.width, meta.height]).toEqual([240, 320]); // 450×600 displayed, scaled to fit 320×320
    expect(meta.orientation ?? 1).toBe(1); // rotation applied to the pixels, no tag left to rotate twice

    const record = (await (await service.request(`/v1/images/${body.id}`, { as: 'alice' })).json()) as Record<string, unknown>;
    expect(record).toMatchObject({
      status: 'visible',
      width: 450,
      height: 600,
      format: 'jpeg',
      openReports: 0,
      score: 0,
      uploaderId: 'alice',
    });
  });

  it('when the image is visible, then /i/:id serves the re-encoded image with a sniff-proof content type', async () => {
    const id = await service.uploadProcessed('real/flowers.jpeg');
    const response = await service.request(`/i/${id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await sharp(Buffer.from(await response.arrayBuffer())).metadata()).width).toBe(1920);
  });

  it('when the image is visible but its served derivative is not made yet (upgrade), then /i/:id answers 503, never the original', async () => {
    const id = await service.uploadProcessed('real/concert.jpg');
    await forgetDisplay(service, id);
    const response = await service.request(`/i/${id}`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
  });

  it('when a moderator asks for the review image, then it is served whatever the status; a reader is refused', async () => {
    const id = await service.uploadProcessed('real/flowers.jpeg');
    await forceStatus(service, id, 'auto_blocked');
    const path = `/v1/moderation/images/${id}/preview`;
    expect((await service.request(path, { as: 'dave' })).status).toBe(403);
    expect((await service.request(path)).status).toBe(401);
    const review = await service.request(path, { as: 'mod', role: 'moderator' });
    expect(review.status).toBe(200);
    expect([review.headers.get('content-type'), review.headers.get('cache-control')]).toEqual(['image/webp', 'private, no-store']);
    expect((await sharp(Buffer.from(await review.arrayBuffer())).metadata()).width).toBe(320);
  });

  it('when another reader reads the record, then the uploader is not disclosed', async () => {
    const id = await service.uploadProcessed('real/concert.jpg', 'carol');
    const record = (await (await service.request(`/v1/images/${id}`, { as: 'dave' })).json()) as Record<string, unknown>;
    expect(record.uploaderId).toBeUndefined();
    const asModerator = (await (await service.request(`/v1/images/${id}`, { as: 'mod', role: 'moderator' })).json()) as Record<
      string,
      unknown
    >;
    expect(asModerator.uploaderId).toBe('carol');
  });

  it('when the bytes are text named .jpg and sent as image/jpeg, then 415 names the detected type', async () => {
    const form = new FormData();
    form.append(
      'file',
      new Blob([Buffer.from('this is not an image at all, just some text pretending to be one')], { type: 'image/jpeg' }),
      'photo.jpg',
    );
    const response = await service.request('/v1/images', { method: 'POST', body: form, as: 'alice' });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ error: { code: 'unsupported_media_type' } });
  });

  it('when the file is an SVG, then 415', async () => {
    const response = await service.upload('synthetic/svg-with-script.svg');
    expect(response.status).toBe(415);
  });

  it('when the file is empty, then 400 empty_file', async () => {
    const response = await service.upload('synthetic/zero-bytes.jpg');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'empty_file' } });
  });

  it('when a side is over MAX_INPUT_SIDE, then 422 image_too_large names the dimensions', async () => {
    const response = await service.upload('real/2569067123_aca715a2ee_o.jpg');
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({
      error: {
        code: 'image_too_large',
        message: 'image too large: 2725x2225 has a side over 2000 pixels',
        details: { width: 2725, height: 2225 },
      },
    });
  });

  it('when an animation has more frames than MAX_FRAMES, then 422 too_many_frames', async () => {
    const response = await service.upload('real/animated-loop-3.webp');
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ error: { code: 'too_many_frames', message: 'too many frames: 10 is over 5' } });
    expect((await service.upload('synthetic/animated.gif')).status).toBe(201);
  });

  it('when the file is over MAX_UPLOAD_BYTES, then 413', async () => {
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(1024 * 1024 + 1, 0xff)]), 'big.jpg');
    const big = await service.request('/v1/images', { method: 'POST', body: form, as: 'alice' });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('when no file field is sent, then 400', async () => {
    const form = new FormData();
    form.append('other', 'x');
    const response = await service.request('/v1/images', { method: 'POST', body: form, as: 'alice' });
    expect(response.status).toBe(400);
  });

  it('when there is no token, then 401', async () => {
    const form = new FormData();
    form.append('file', new Blob([Buffer.from('x')]), 'x.jpg');
    const response = await service.request('/v1/images', { method: 'POST', body: form });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('when the image id is unknown or malformed, then 404', async () => {
    expect((await service.request('/i/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await service.request('/i/not-a-uuid/thumb')).status).toBe(404);
    expect((await service.request('/v1/images/00000000-0000-4000-8000-000000000000', { as: 'alice' })).status).toBe(404);
  });
});

describe('storage outages', () => {
  it('when the storage backend fails, then serving and uploading answer 503 storage_unavailable, not 500', async () => {
    const id = await service.uploadProcessed('real/concert.jpg');
    const broken = reportingOutages({
      put: () => Promise.reject(new Error('connect ECONNREFUSED')),
      get: () => Promise.reject(new Error('connect ECONNREFUSED')),
      delete: () => Promise.reject(new Error('connect ECONNREFUSED')),
      close: () => Promise.resolve(),
    });
    const server = buildApp({ ...service.deps, storage: broken }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const served = await fetch(`${base}/i/${id}`);
      expect(served.status).toBe(503);
      expect(await served.json()).toMatchObject({ error: { code: 'storage_unavailable' } });
      const form = new FormData();
      form.append('file', new Blob([await fixture('real/concert.jpg')]), 'concert.jpg');
      const upload = await fetch(`${base}/v1/images`, {
        method: 'POST',
        body: form,
        headers: { authorization: `Bearer ${await service.token('u')}` },
      });
      expect(upload.status).toBe(503);
    } finally {
      server.close();
    }
  });
});

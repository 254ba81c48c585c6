/**
 * Every file of the test corpus (test/fixtures, from ../shared/corpus) gets exactly the behaviour its README
 * row names, through HTTP and the worker, against the real PostgreSQL and Redis.
 */
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { insertImage } from '../../src/db/images.repository.js';
import { enqueueOutbox } from '../../src/db/outbox.repository.js';
import { fixture, startTestService, waitFor, type TestService } from '../helpers/test-service.js';

type Accepted = { status: 201; width: number; height: number; frames?: number };
type Refused = { status: 400 | 415 | 422; code: string };

/** The corpus README's "correct service behaviour", one row per file. */
const EXPECTED: Record<string, Accepted | Refused> = {
  'synthetic/animated.gif': { status: 201, width: 200, height: 200, frames: 4 },
  'synthetic/animated.webp': { status: 201, width: 200, height: 200, frames: 4 },
  'synthetic/bomb-dimensions.png': { status: 422, code: 'image_too_large' },
  'synthetic/cmyk.jpg': { status: 201, width: 800, height: 600 },
  'synthetic/exif-orientation-6.jpg': { status: 201, width: 300, height: 400 },
  'synthetic/huge-exif.jpg': { status: 201, width: 640, height: 480 },
  'synthetic/icc-p3.jpg': { status: 201, width: 400, height: 300 },
  'synthetic/png16.png': { status: 201, width: 256, height: 256 },
  'synthetic/svg-with-script.svg': { status: 415, code: 'unsupported_media_type' },
  'synthetic/text-as-jpg.jpg': { status: 415, code: 'unsupported_media_type' },
  'synthetic/tiny-1x1.png': { status: 201, width: 1, height: 1 },
  'synthetic/transparent.png': { status: 201, width: 256, height: 256 },
  'synthetic/truncated.jpg': { status: 422, code: 'image_corrupt' },
  'synthetic/truncated.png': { status: 422, code: 'image_corrupt' },
  'synthetic/valid-photo.jpg': { status: 201, width: 1600, height: 1200 },
  'synthetic/zero-bytes.jpg': { status: 400, code: 'empty_file' },
  'real/2569067123_aca715a2ee_o.jpg': { status: 201, width: 2725, height: 2225 },
  'real/Channel_digital_image_CMYK_color.jpg': { status: 201, width: 500, height: 333 },
  'real/Flag_of_the_Netherlands-16bit.png': { status: 201, width: 900, height: 600 },
  'real/Landscape_6.jpg': { status: 201, width: 600, height: 450 },
  'real/Portrait_8.jpg': { status: 201, width: 450, height: 600 },
  'real/animated-loop-3.gif': { status: 201, width: 370, height: 285, frames: 10 },
  'real/animated-loop-3.webp': { status: 201, width: 370, height: 285, frames: 10 },
  'real/circle.svg': { status: 415, code: 'unsupported_media_type' },
  'real/concert.jpg': { status: 201, width: 400, height: 267 },
  'real/corrupt-header.jpg': { status: 422, code: 'image_corrupt' },
  'real/flowers.jpeg': { status: 201, width: 1920, height: 1080 },
  'real/full-transparent.png': { status: 201, width: 300, height: 300 },
  'real/sdr_cosmos12920_cicp1-13-6_yuv444_full_qp10.avif': { status: 201, width: 2048, height: 858 },
  'real/truncated.jpg': { status: 422, code: 'image_corrupt' },
};
const FILES = Object.keys(EXPECTED);
const REFUSED = FILES.filter((file) => EXPECTED[file]!.status !== 201);

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

/** Uploads a fixture claiming to be a JPEG named photo.jpg: the name and Content-Type must not matter. */
async function uploadAsJpeg(file: string): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([await fixture(file)], { type: 'image/jpeg' }), 'photo.jpg');
  return service.request('/v1/images', { method: 'POST', body: form, as: 'uploader' });
}

describe('the corpus', () => {
  it('when the fixture directories are listed, then every file has a row in the table', async () => {
    const listed = [];
    for (const dir of ['synthetic', 'real']) {
      const names = await readdir(new URL(`../fixtures/${dir}/`, import.meta.url));
      listed.push(...names.filter((name) => !name.endsWith('.md')).map((name) => `${dir}/${name}`));
    }
    expect(listed.sort()).toEqual([...FILES].sort());
  });

  it.each(FILES)("when %s is uploaded, then the answer and the final state are the README's", async (file) => {
    const expected = EXPECTED[file]!;
    const response = await uploadAsJpeg(file);
    const body = (await response.json()) as { id: string; error?: { code: string; message: string } };
    expect(response.status).toBe(expected.status);
    if ('code' in expected) {
      expect(body.error?.code).toBe(expected.code);
      return;
    }
    await waitFor(async () => (await service.status(body.id)) !== 'processing');
    const record = (await (await service.request(`/v1/images/${body.id}`, { as: 'uploader' })).json()) as Record<string, unknown>;
    expect(record).toMatchObject({ status: 'visible', width: expected.width, height: expected.height, frames: expected.frames ?? 1 });

    const served = await service.request(`/i/${body.id}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    const bytes = Buffer.from(await served.arrayBuffer());
    expect(bytes.equals(await fixture(file))).toBe(false); // re-encoded, never the uploaded bytes
    const meta = await sharp(bytes).metadata();
    expect(served.headers.get('content-type')).toBe(`image/${meta.format}`);
    expect([meta.width, meta.height, meta.pages ?? 1, meta.exif]).toEqual([
      expected.width,
      expected.height,
      expected.frames ?? 1,
      undefined,
    ]);
  });

  it.each(REFUSED)("when %s reaches the worker behind intake's back, then the image is failed and the worker goes on", async (file) => {
    const bytes = await fixture(file);
    const id = randomUUID();
    await service.deps.storage.put(`originals/${id}`, bytes);
    await insertImage(service.deps.pool, {
      siteId: 'default',
      id,
      uploaderId: 'u',
      sha256: '0'.repeat(64),
      bytes: bytes.length || 1,
      mimeType: 'image/jpeg',
      storageKey: `originals/${id}`,
    });
    await enqueueOutbox(service.deps.pool, { topic: 'process-image', imageId: id });
    await waitFor(async () => (await service.status(id)) === 'failed');
    expect((await service.request(`/i/${id}`)).status).toBe(404);
    expect(await service.status(await service.uploadProcessed('real/concert.jpg'))).toBe('visible');
  });
});

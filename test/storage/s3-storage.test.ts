/**
 * The S3 storage through the real AWS SDK against a local S3-compatible server (s3rver) started here,
 * and the whole service running on it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import S3rver from 's3rver';
import sharp from 'sharp';
import { createS3Storage } from '../../src/storage/s3-storage.js';
import { StorageNotFoundError, type Storage } from '../../src/storage/storage.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

const BUCKET = 'imgmod-test';
let server: S3rver;
let directory: string;
let endpoint: string;
let storage: Storage;
let service: TestService;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'imgmod-s3-'));
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET, configs: [] }] });
  const address = await server.run();
  endpoint = `http://127.0.0.1:${address.port}`;
  // s3rver accepts the fixed key pair S3RVER / S3RVER.
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  storage = createS3Storage({ bucket: BUCKET, region: 'us-east-1', endpoint, forcePathStyle: true, credentials });
  service = await startTestService({
    env: {
      STORAGE_DRIVER: 's3',
      S3_BUCKET: BUCKET,
      S3_ENDPOINT: endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    },
  });
});
afterAll(async () => {
  await service.close();
  await storage.close();
  await server.close();
  await rm(directory, { recursive: true, force: true });
});

describe('S3 storage', () => {
  it('when an object is put, then get returns the same bytes, and after delete get throws StorageNotFoundError', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    await storage.put('originals/roundtrip', bytes);
    expect((await storage.get('originals/roundtrip')).equals(bytes)).toBe(true);
    await storage.delete('originals/roundtrip');
    await expect(storage.get('originals/roundtrip')).rejects.toBeInstanceOf(StorageNotFoundError);
  });

  it('when a missing object is deleted, then it is not an error', async () => {
    await expect(storage.delete('originals/never-there')).resolves.toBeUndefined();
  });

  it('when the service runs with STORAGE_DRIVER=s3, then an upload is stored in the bucket, processed and served', async () => {
    const id = await service.uploadProcessed('real/Landscape_6.jpg');
    expect(await service.status(id)).toBe('visible');
    expect((await storage.get(`originals/${id}`)).length).toBeGreaterThan(0);
    expect((await storage.get(`review/${id}.webp`)).length).toBeGreaterThan(0);
    const served = await service.request(`/i/${id}`);
    expect(served.status).toBe(200);
    const meta = await sharp(Buffer.from(await served.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 600, 450]);
    expect((await service.request(`/i/${id}/thumb`)).status).toBe(200);
  });
});

/** Storage on S3 or an S3-compatible object store (MinIO, R2, Ceph…), through the AWS SDK v3. */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { StorageNotFoundError, type Storage } from './storage.js';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  /** Endpoint of an S3-compatible service; undefined for AWS S3. */
  endpoint?: string | undefined;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible services need. */
  forcePathStyle: boolean;
  /** Static credentials; undefined uses the SDK's default chain (env, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
}

/**
 * Creates a Storage over one bucket; keys are object keys as they are (`originals/<id>`). A PUT is atomic
 * in S3, so a reader never sees half an object.
 * The SDK's default request checksums (CRC32, since v3.729) are sent only when an operation requires them,
 * because several S3-compatible services reject or ignore the newer checksum headers.
 */
export function createS3Storage(options: S3StorageOptions): Storage {
  const client = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = options.bucket;
  return {
    async put(key, bytes) {
      await client.send(new PutObjectCommand({ Bucket, Key: key, Body: bytes, ContentLength: bytes.length }));
    },
    async get(key) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        if (!object.Body) throw new StorageNotFoundError(key);
        return Buffer.from(await object.Body.transformToByteArray());
      } catch (error) {
        if (error instanceof S3ServiceException && error.name === 'NoSuchKey') throw new StorageNotFoundError(key);
        throw error;
      }
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
    },
    close() {
      client.destroy();
      return Promise.resolve();
    },
  };
}

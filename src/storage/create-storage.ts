/** Picks the Storage implementation named by STORAGE_DRIVER. */
import type { Config } from '../config.js';
import { createLocalStorage } from './local-storage.js';
import { createS3Storage } from './s3-storage.js';
import { reportingOutages, type Storage } from './storage.js';

/**
 * `local`: a directory at DATA_DIR; `s3`: the bucket S3_BUCKET (config validation guarantees it is set).
 * Either way, backend failures surface as StorageUnavailableError.
 */
export function createStorage(config: Config): Storage {
  return reportingOutages(createBackend(config));
}

function createBackend(config: Config): Storage {
  if (config.STORAGE_DRIVER === 'local') return createLocalStorage(config.DATA_DIR);
  const credentials =
    config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
      ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY }
      : undefined;
  return createS3Storage({
    bucket: config.S3_BUCKET!,
    region: config.S3_REGION,
    endpoint: config.S3_ENDPOINT,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    credentials,
  });
}

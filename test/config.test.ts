import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('when nothing is set, then the documented defaults apply', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 8080,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/imgmod',
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATA_DIR: './data',
      AUTO_BLOCK_THRESHOLD: 3,
      MAX_UPLOAD_BYTES: 20 * 1024 * 1024,
      MAX_INPUT_PIXELS: 40_000_000,
      MAX_INPUT_SIDE: 16_383,
      MAX_FRAMES: 100,
      SHARP_CONCURRENCY: 1,
      PHASH_MATCH_DISTANCE: 8,
      STORAGE_DRIVER: 'local',
      S3_FORCE_PATH_STYLE: false,
    });
  });

  it('when STORAGE_DRIVER is s3 without S3_BUCKET, then start-up is refused naming S3_BUCKET', () => {
    expect(() => loadConfig({ STORAGE_DRIVER: 's3' })).toThrow(/S3_BUCKET/);
    expect(loadConfig({ STORAGE_DRIVER: 's3', S3_BUCKET: 'images', S3_FORCE_PATH_STYLE: 'true' })).toMatchObject({
      S3_BUCKET: 'images',
      S3_FORCE_PATH_STYLE: true,
    });
  });

  it('when a value is invalid, then the error names the variable', () => {
    expect(() => loadConfig({ PORT: '99999' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: '99999' })).toThrow(/PORT/);
    expect(() => loadConfig({ AUTO_BLOCK_THRESHOLD: 'three' })).toThrow(/AUTO_BLOCK_THRESHOLD/);
  });

  it('when production runs with the development secret, then start-up is refused', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).NODE_ENV).toBe('production');
  });
});

describe('REASON_THRESHOLDS', () => {
  it('when unset, then illegal content has the lower default threshold 2', () => {
    expect(loadConfig({}).REASON_THRESHOLDS).toEqual({ illegal: 2 });
  });

  it('when set, then pairs are parsed and "none" means no per-reason thresholds', () => {
    expect(loadConfig({ REASON_THRESHOLDS: 'illegal=1.5, nudity=2.5' }).REASON_THRESHOLDS).toEqual({ illegal: 1.5, nudity: 2.5 });
    expect(loadConfig({ REASON_THRESHOLDS: 'none' }).REASON_THRESHOLDS).toEqual({});
  });

  it('when a pair names an unknown reason or a bad number, then the error names the variable', () => {
    expect(() => loadConfig({ REASON_THRESHOLDS: 'boring=2' })).toThrow(/REASON_THRESHOLDS/);
    expect(() => loadConfig({ REASON_THRESHOLDS: 'illegal=0' })).toThrow(/REASON_THRESHOLDS/);
  });
});

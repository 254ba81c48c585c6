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
      PHASH_MATCH_DISTANCE: 15,
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

describe('reader settings', () => {
  it('when nothing is set, then the documented reader defaults apply', () => {
    expect(loadConfig({})).toMatchObject({
      TRUST_PROXY: false,
      ALLOWED_ORIGINS: [],
      ANONYMOUS_REPORTS: 'on',
      ANONYMOUS_REPORT_WEIGHT: 0.5,
      SIGNED_READER_SITES: [],
      SIGNED_TOKEN_MAX_AGE: 600_000,
      NEW_ACCOUNT_AGE: 3 * 86_400_000,
      BRIGADE_MIN_REPORTS: 5,
      BRIGADE_WINDOW: 3_600_000,
      RATE_LIMIT_READER: [{ points: 2, durationSeconds: 3 }, { points: 20, durationSeconds: 86_400 }],
      RATE_LIMIT_NETWORK: [{ points: 6, durationSeconds: 3 }, { points: 60, durationSeconds: 86_400 }],
      DEMO_MODE: true,
    });
  });

  it('when in production, then demo mode is off unless asked for', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) };
    expect(loadConfig(production).DEMO_MODE).toBe(false);
    expect(loadConfig({ ...production, DEMO_MODE: 'on' }).DEMO_MODE).toBe(true);
    expect(loadConfig({ DEMO_MODE: 'off' }).DEMO_MODE).toBe(false);
  });

  it('when values are set, then they are parsed', () => {
    const config = loadConfig({
      TRUST_PROXY: 'loopback, 10.0.0.0/8',
      ALLOWED_ORIGINS: 'https://news.example, http://localhost:3000',
      ANONYMOUS_REPORTS: 'https://news.example',
      BRIGADE_WINDOW: '30m',
      SIGNED_READER_SITES: JSON.stringify([
        { id: 'news', issuer: 'https://news.example', secret: 's'.repeat(32) },
        { id: 'blog', issuer: 'https://blog.example', audience: 'imgmod-prod', jwksUrl: 'https://blog.example/jwks.json', algorithms: ['ES256'] },
      ]),
    });
    expect(config.TRUST_PROXY).toBe('loopback, 10.0.0.0/8');
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(config.ALLOWED_ORIGINS).toEqual(['https://news.example', 'http://localhost:3000']);
    expect(config.ANONYMOUS_REPORTS).toEqual(['https://news.example']);
    expect(config.BRIGADE_WINDOW).toBe(1_800_000);
    expect(config.SIGNED_READER_SITES.map((site) => [site.id, site.audience])).toEqual([['news', 'imgmod'], ['blog', 'imgmod-prod']]);
  });

  it.each([
    ['ALLOWED_ORIGINS', 'https://news.example/path'],
    ['ANONYMOUS_REPORTS', 'sometimes'],
    ['BRIGADE_WINDOW', '1 week'],
    ['RATE_LIMIT_READER', '2 per 3s'],
    ['ANONYMOUS_REPORT_WEIGHT', '2'],
    ['SIGNED_READER_SITES', 'not json'],
    ['SIGNED_READER_SITES', JSON.stringify([{ id: 'news', issuer: 'https://news.example' }])],
    ['SIGNED_READER_SITES', JSON.stringify([{ id: 'news', issuer: 'i', secret: 'short' }])],
    ['SIGNED_READER_SITES', JSON.stringify([{ id: 'a', issuer: 'i', secret: 's'.repeat(32) }, { id: 'b', issuer: 'i', secret: 's'.repeat(32) }])],
  ])('when %s is "%s", then the error names the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });
});

describe('SIGNED_READER_SITES', () => {
  const site = (fields: Record<string, string>) =>
    JSON.stringify([{ id: 'news', issuer: 'https://news.example', secret: 'x'.repeat(32), ...fields }]);

  it('when a site takes an id or issuer imgmod uses itself, then the error names the variable', () => {
    expect(loadConfig({ SIGNED_READER_SITES: site({}) }).SIGNED_READER_SITES).toHaveLength(1);
    for (const fields of [{ id: 'anon' }, { id: 'demo' }, { issuer: 'imgmod-demo' }] as Record<string, string>[]) {
      expect(() => loadConfig({ SIGNED_READER_SITES: site(fields) })).toThrow(/SIGNED_READER_SITES/);
    }
  });
});

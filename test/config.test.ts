import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactUrl, redisDatabase } from '../src/config.js';

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
      SIGNED_TOKEN_MAX_AGE_MS: 600_000,
      NEW_ACCOUNT_AGE_MS: 3 * 86_400_000,
      BRIGADE_MIN_REPORTS: 5,
      BRIGADE_WINDOW_MS: 3_600_000,
      RATE_LIMIT_READER: [
        { points: 2, durationSeconds: 3 },
        { points: 20, durationSeconds: 86_400 },
      ],
      RATE_LIMIT_NETWORK: [
        { points: 6, durationSeconds: 3 },
        { points: 60, durationSeconds: 86_400 },
      ],
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
        {
          id: 'blog',
          issuer: 'https://blog.example',
          audience: 'imgmod-prod',
          jwksUrl: 'https://blog.example/jwks.json',
          algorithms: ['ES256'],
        },
      ]),
    });
    expect(config.TRUST_PROXY).toEqual(['loopback', '10.0.0.0/8']);
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(config.ALLOWED_ORIGINS).toEqual(['https://news.example', 'http://localhost:3000']);
    expect(config.ANONYMOUS_REPORTS).toEqual(['https://news.example']);
    expect(config.BRIGADE_WINDOW_MS).toBe(1_800_000);
    expect(config.SIGNED_READER_SITES.map((site) => [site.id, site.audience])).toEqual([
      ['news', 'imgmod'],
      ['blog', 'imgmod-prod'],
    ]);
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
    [
      'SIGNED_READER_SITES',
      JSON.stringify([
        { id: 'a', issuer: 'i', secret: 's'.repeat(32) },
        { id: 'b', issuer: 'i', secret: 's'.repeat(32) },
      ]),
    ],
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

describe('operator settings (issue 15)', () => {
  it('when TRUST_PROXY is a hop count, loopback, false or a list of proxies, then it is parsed for express', () => {
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'loopback' }).TRUST_PROXY).toEqual(['loopback']);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, 192.168.1.7, fd00::/8' }).TRUST_PROXY).toEqual([
      'loopback',
      '10.0.0.0/8',
      '192.168.1.7',
      'fd00::/8',
    ]);
  });

  it('when TRUST_PROXY is yes or a bad CIDR, then the error names the variable and the accepted forms (no TypeError)', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'yes' })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: 'yes' })).toThrow(/TRUST_PROXY: "yes" is not false, a hop count/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY: "10.0.0.0\/33"/);
    expect(() => loadConfig({ TRUST_PROXY: 'loopback,proxy.example' })).toThrow(/TRUST_PROXY/);
  });

  it('when TRUST_PROXY is true in production, then start-up is refused with the reason', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) };
    expect(() => loadConfig({ ...production, TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY: true is refused in production: .*choose/);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
  });

  it('when OUTBOUND_ALLOW_LOOPBACK is true in production, then start-up is refused; elsewhere it is off unless asked for', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) };
    expect(() => loadConfig({ ...production, OUTBOUND_ALLOW_LOOPBACK: 'true' })).toThrow(
      /OUTBOUND_ALLOW_LOOPBACK: true is refused in production/,
    );
    expect(loadConfig(production).OUTBOUND_ALLOW_LOOPBACK).toBe(false);
    expect(loadConfig({ OUTBOUND_ALLOW_LOOPBACK: 'true' }).OUTBOUND_ALLOW_LOOPBACK).toBe(true);
  });

  it('when REGISTER_URL_HOSTS lists hosts, then they are kept lower-cased; a URL or path is refused', () => {
    expect(loadConfig({ REGISTER_URL_HOSTS: 'Photos.News.example, *.cdn.example' }).REGISTER_URL_HOSTS).toEqual([
      'photos.news.example',
      '*.cdn.example',
    ]);
    expect(loadConfig({}).REGISTER_URL_HOSTS).toEqual([]);
    expect(() => loadConfig({ REGISTER_URL_HOSTS: 'https://photos.news.example/' })).toThrow(/REGISTER_URL_HOSTS/);
  });

  it('when REDIS_URL has no redis:// scheme or a path that is not a database, then the error names the variable', () => {
    expect(() => loadConfig({ REDIS_URL: '127.0.0.1:6379/1' })).toThrow(/REDIS_URL: must start with redis:\/\/ or rediss:\/\//);
    expect(() => loadConfig({ REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/queues' })).toThrow(/REDIS_URL: the path "\/queues"/);
    expect(redisDatabase(loadConfig({ REDIS_URL: 'rediss://:pw@cache.example:6380/3' }).REDIS_URL)).toBe(3);
    expect(redisDatabase(loadConfig({}).REDIS_URL)).toBe(0);
  });

  it('when a password is in a URL, then redactUrl hides it', () => {
    expect(redactUrl('redis://:s3cret@cache:6379/1')).toBe('redis://:***@cache:6379/1');
    expect(redactUrl('postgres://imgmod:s3cret@db:5432/imgmod')).toBe('postgres://imgmod:***@db:5432/imgmod');
  });

  it('when DATABASE_URL is not a postgres:// URL naming a database, then the error names the variable', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://db/imgmod' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db:5432' })).toThrow(/DATABASE_URL: must name a database/);
  });

  const site = (id: string, secret: string) => ({ id, issuer: `https://${id}.example`, secret });

  it('when a site secret equals JWT_SECRET, then start-up is refused (the site could mint moderators)', () => {
    const secret = 's'.repeat(40);
    expect(() => loadConfig({ JWT_SECRET: secret, SIGNED_READER_SITES: JSON.stringify([site('news', secret)]) })).toThrow(
      /SIGNED_READER_SITES\.0\.secret: site news: its secret is JWT_SECRET/,
    );
  });

  it('when two sites share a secret or an id, then start-up is refused', () => {
    const shared = JSON.stringify([site('news', 'a'.repeat(40)), site('blog', 'a'.repeat(40))]);
    expect(() => loadConfig({ SIGNED_READER_SITES: shared })).toThrow(/SIGNED_READER_SITES: two sites share a secret/);
    const sameId = JSON.stringify([site('news', 'a'.repeat(40)), { ...site('news', 'b'.repeat(40)), issuer: 'https://other.example' }]);
    expect(() => loadConfig({ SIGNED_READER_SITES: sameId })).toThrow(/SIGNED_READER_SITES: two sites share an id/);
  });

  it('when a JWKS URL is plain http in production, then start-up is refused; in development it is accepted', () => {
    const sites = JSON.stringify([{ id: 'news', issuer: 'https://news.example', jwksUrl: 'http://news.example/jwks.json' }]);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), SIGNED_READER_SITES: sites })).toThrow(
      /SIGNED_READER_SITES\.0\.jwksUrl: site news: jwksUrl must use https in production/,
    );
    expect(loadConfig({ SIGNED_READER_SITES: sites }).SIGNED_READER_SITES).toHaveLength(1);
  });

  it('when metrics and start-up settings are set, then they are parsed and checked', () => {
    expect(loadConfig({})).toMatchObject({ STARTUP_TIMEOUT_MS: 30_000, METRICS_REFRESH_MS: 15_000 });
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_TOKEN: 't'.repeat(20) })).toMatchObject({ METRICS_PORT: 9464 });
    expect(() => loadConfig({ METRICS_PORT: '8080' })).toThrow(/METRICS_PORT: must differ from PORT/);
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
  });
});

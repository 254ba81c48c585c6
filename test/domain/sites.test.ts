import { describe, expect, it } from 'vitest';
import {
  MAX_SITE_THRESHOLD_FACTOR,
  siteMayAccess,
  siteOfOrigin,
  siteOfPage,
  sitesMayPool,
  sitesShareBlocklist,
  siteThresholdPolicy,
} from '../../src/domain/sites.js';

const operator = { threshold: 3, reasonThresholds: { illegal: 2 }, restoredFactor: 2 };

describe('siteThresholdPolicy', () => {
  it.each([
    { overrides: {}, threshold: 3, illegal: 2, why: 'no overrides: the operator’s policy' },
    { overrides: { autoBlockThreshold: 5 }, threshold: 5, illegal: 2, why: 'a stricter site raises its threshold' },
    { overrides: { autoBlockThreshold: 1 }, threshold: 3, illegal: 2, why: 'a site cannot make blocking easier' },
    { overrides: { autoBlockThreshold: 500 }, threshold: 3 * MAX_SITE_THRESHOLD_FACTOR, illegal: 2, why: 'nor raise it without bound' },
    { overrides: { reasonThresholds: { illegal: 1 } }, threshold: 3, illegal: 2, why: 'a reason threshold is clamped to the operator’s' },
    { overrides: { reasonThresholds: { illegal: 4 } }, threshold: 3, illegal: 4, why: 'and may be raised' },
  ])('when $why, then the threshold is $threshold and illegal $illegal', ({ overrides, threshold, illegal }) => {
    const policy = siteThresholdPolicy(operator, overrides);
    expect(policy.threshold).toBe(threshold);
    expect(policy.reasonThresholds.illegal).toBe(illegal);
    expect(policy.restoredFactor).toBe(2);
  });

  it('when a site sets a reason the operator did not, then it is clamped against the overall threshold', () => {
    expect(siteThresholdPolicy(operator, { reasonThresholds: { spam: 2 } }).reasonThresholds.spam).toBe(3);
    expect(siteThresholdPolicy(operator, { reasonThresholds: { spam: 6 } }).reasonThresholds.spam).toBe(6);
  });
});

describe('siteOfOrigin', () => {
  const own = 'https://imgmod.example';
  const sites = [
    { id: 'news', status: 'active' as const, allowedOrigins: ['https://news.example'] },
    { id: 'gone', status: 'disabled' as const, allowedOrigins: ['https://gone.example'] },
  ];
  it.each([
    { origin: undefined, site: 'default', why: 'no Origin (a server, a same-origin GET)' },
    { origin: own, site: 'default', why: "imgmod's own pages" },
    { origin: 'https://news.example', site: 'news', why: 'a site’s page' },
    { origin: 'https://other.example', site: 'default', why: 'an origin no site lists (ALLOWED_ORIGINS decides CORS)' },
    { origin: 'https://gone.example', site: null, why: 'a disabled site’s page' },
  ])('when the request comes from $why, then it acts on $site', ({ origin, site }) => {
    expect(siteOfOrigin(sites, origin, own)).toBe(site);
  });
});

describe('siteOfPage', () => {
  const own = 'https://imgmod.example';
  const sites = [
    { id: 'default', status: 'active' as const, allowedOrigins: [] },
    { id: 'news', status: 'active' as const, allowedOrigins: ['https://news.example'] },
    { id: 'blog', status: 'active' as const, allowedOrigins: ['https://blog.example'] },
    { id: 'gone', status: 'disabled' as const, allowedOrigins: ['https://gone.example'] },
  ];
  it.each([
    { origin: 'https://news.example', named: undefined, site: 'news', why: 'a site’s page naming no site' },
    { origin: 'https://news.example', named: 'news', site: 'news', why: 'a site’s page naming its own site' },
    { origin: 'https://news.example', named: 'blog', site: 'mismatch', why: 'a site’s page naming another site' },
    { origin: 'https://other.example', named: 'news', site: 'mismatch', why: 'a page no site lists naming a site' },
    { origin: 'https://other.example', named: 'default', site: 'default', why: 'an ALLOWED_ORIGINS page naming default' },
    { origin: 'https://gone.example', named: 'gone', site: null, why: 'a disabled site’s page naming itself' },
    { origin: undefined, named: 'news', site: 'news', why: 'a server naming a site' },
    { origin: own, named: 'news', site: 'news', why: "imgmod's own page naming a site" },
    { origin: undefined, named: 'gone', site: null, why: 'a server naming a disabled site' },
    { origin: undefined, named: 'nobody', site: null, why: 'a server naming an unknown site' },
    { origin: undefined, named: undefined, site: 'default', why: 'a server naming no site' },
  ])('when $why, then it acts on $site', ({ origin, named, site }) => {
    const page = siteOfPage(sites, { origin, ownOrigin: own, named });
    expect('mismatch' in page ? 'mismatch' : page.siteId).toBe(site);
  });
});

describe('site rules between two sites', () => {
  it.each([
    { acting: 'news', image: 'news', access: true },
    { acting: 'news', image: 'blog', access: false },
    { acting: 'default', image: 'news', access: false },
    { acting: null, image: 'news', access: true },
  ])('when someone acting on $acting looks at an image of $image, then it exists for them: $access', ({ acting, image, access }) => {
    expect(siteMayAccess(acting, image)).toBe(access);
  });

  it.each([
    { a: false, b: false, same: false, pool: false },
    { a: true, b: false, same: false, pool: false },
    { a: true, b: true, same: false, pool: true },
    { a: false, b: false, same: true, pool: true },
  ])('when pooling is $a and $b (same site: $same), then reports pool: $pool', ({ a, b, same, pool }) => {
    expect(sitesMayPool({ id: 'news', poolAcrossSites: a }, { id: same ? 'news' : 'blog', poolAcrossSites: b })).toBe(pool);
  });

  it.each([
    { a: true, b: true, same: false, shared: true },
    { a: true, b: false, same: false, shared: false },
    { a: false, b: true, same: false, shared: false },
    { a: false, b: false, same: true, shared: true },
  ])(
    'when blocklist sharing is $a and $b (same site: $same), then a blocked picture keeps the upload out: $shared',
    ({ a, b, same, shared }) => {
      expect(sitesShareBlocklist({ id: 'news', shareBlocklist: a }, { id: same ? 'news' : 'blog', shareBlocklist: b })).toBe(shared);
    },
  );
});

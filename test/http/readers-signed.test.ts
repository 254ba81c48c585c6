/**
 * Readers signed by host sites (an HS256 site and a JWKS site): good tokens count as the site's reader, young
 * accounts weigh less, and every kind of bad token is refused with a 401 that says why and stores nothing.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestService } from '../helpers/test-service.js';
import { reportsOf } from '../helpers/records.js';
import {
  asReader,
  blogToken,
  BLOG_UPLOADER,
  errorCode,
  NEWS,
  NEWS_UPLOADER,
  newsToken,
  readerReports,
  reportAs,
  startReaderService,
  type JwksSite,
} from '../helpers/readers.js';

let service: TestService;
let jwks: JwksSite;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ service, jwks, close } = await startReaderService());
});
afterAll(() => close?.());

describe('signed readers', () => {
  it("when a host site signs a good HS256 token, then the report counts as that site's reader", async () => {
    const id = await service.uploadDistinct(NEWS_UPLOADER);
    const token = await newsToken({ sub: 'alice', accountCreatedAt: new Date('2020-01-01T00:00:00Z') });
    expect((await reportAs(service, id, { token })).status).toBe(202);
    expect(await readerReports(service, id)).toEqual([
      { reporterId: 'news:alice', reporterKind: 'signed', weight: 1, lowTrust: false, networkHash: null },
    ]);
  });

  it('when a host site signs a subject holding a NUL character, then 401, never 500', async () => {
    const id = await service.uploadDistinct(NEWS_UPLOADER);
    const token = await newsToken({ sub: 'ali\u0000ce' });
    expect((await reportAs(service, id, { token })).status).toBe(401);
  });

  it("when a host site's clock runs a few seconds ahead, then its fresh token is accepted", async () => {
    const id = await service.uploadDistinct(NEWS_UPLOADER);
    const secret = new TextEncoder().encode(NEWS.secret);
    const ahead = Math.floor(Date.now() / 1000) + 5;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(NEWS.issuer)
      .setAudience('imgmod')
      .setSubject('early-clock')
      .setIssuedAt(ahead)
      .setExpirationTime(ahead + 600)
      .sign(secret);
    expect((await reportAs(service, id, { token })).status).toBe(202);
  });

  it("when a first-party token names a signed reader's id, then 401: first-party subjects have no colon", async () => {
    const response = await reportAs(service, await service.uploadDistinct(NEWS_UPLOADER), { token: await service.token('news:zed') });
    expect(response.status).toBe(401);
  });

  it('when a site claims an account created at an impossible date, then 401, not a reader of unknown age', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ account_created_at: 1e300 })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(NEWS.issuer)
      .setAudience('imgmod')
      .setSubject('far-future')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(NEWS.secret));
    expect((await reportAs(service, await service.uploadDistinct(NEWS_UPLOADER), { token })).status).toBe(401);
  });

  it('when a JWKS site signs with its published ES256 or RS256 key, then the report is accepted', async () => {
    const id = await service.uploadDistinct(BLOG_UPLOADER);
    expect((await reportAs(service, id, { token: await blogToken(jwks, { sub: 'bea' }, 'es-1') })).status).toBe(202);
    expect((await reportAs(service, id, { token: await blogToken(jwks, { sub: 'bo' }, 'rs-1') })).status).toBe(202);
    expect((await readerReports(service, id)).map((row) => row.reporterId)).toEqual(['blog:bea', 'blog:bo']);
  });

  it('when the account is younger than NEW_ACCOUNT_AGE, then the report is marked low-trust and weighs NEW_ACCOUNT_REPORT_WEIGHT', async () => {
    const id = await service.uploadDistinct(NEWS_UPLOADER);
    const token = await newsToken({ sub: 'newbie', accountCreatedAt: new Date(Date.now() - 86_400_000) });
    expect((await reportAs(service, id, { token })).status).toBe(202);
    expect((await readerReports(service, id))[0]).toMatchObject({ reporterId: 'news:newbie', lowTrust: true, weight: 0.5 });
  });

  it.each([
    { why: 'expired', make: () => newsToken({ sub: 'a', expiresIn: '-1m' }), message: /expired/ },
    { why: 'signed with a wrong algorithm (HS384)', make: () => newsToken({ sub: 'a' }, 'HS384'), message: /algorithm not allowed/ },
    { why: 'for another audience', make: () => newsToken({ sub: 'a', audience: 'someone-else' }), message: /"aud"/ },
    {
      why: 'issued longer ago than SIGNED_TOKEN_MAX_AGE',
      make: () => newsToken({ sub: 'a', issuedAt: Math.floor(Date.now() / 1000) - 3600, expiresIn: '1h' }),
      message: /"iat"/,
    },
    { why: 'signed with a key id the JWKS does not publish', make: () => blogToken(jwks, { sub: 'a' }, 'es-unpublished'), message: /kid/ },
    {
      why: 'from an unknown issuer (falls back to the first-party secret)',
      make: () => newsToken({ sub: 'a', issuer: 'https://evil.example' }),
      message: /invalid/,
    },
  ])('when the token is $why, then 401 unauthorized says why and nothing is stored', async ({ make, message }) => {
    const id = await service.uploadDistinct(NEWS_UPLOADER);
    const refused = await errorCode(await reportAs(service, id, { token: await make() }));
    expect(refused).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(refused.message).toMatch(message);
    expect(await readerReports(service, id)).toEqual([]);
  });

  it('when a signed reader token claims the moderator role, then moderator routes still refuse it (host sites sign readers only)', async () => {
    const token = await new SignJWT({ role: 'moderator' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(NEWS.issuer)
      .setAudience(NEWS.audience)
      .setSubject('mallory')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(NEWS.secret));
    expect(await errorCode(await asReader(service, '/v1/moderation/queue', { token }))).toMatchObject({
      status: 401,
      code: 'unauthorized',
    });
    const id = await service.uploadDistinct(NEWS_UPLOADER);
    expect((await reportAs(service, id, { token })).status).toBe(202);
    expect((await reportsOf(service, id)).map((report) => report.reporterRole)).toEqual(['reader']);
  });
});

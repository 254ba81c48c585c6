/**
 * Test helpers for the reader API: host sites that sign reader tokens (one HS256, one with a JWKS served from
 * a local HTTP server), anonymous reader cookies, and requests from a chosen client address (X-Forwarded-For,
 * which the test service believes with TRUST_PROXY=loopback).
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { reportsOf } from './records.js';
import { startTestService, type TestService } from './test-service.js';

/** The HS256 host site of the tests. */
export const NEWS = { id: 'news', issuer: 'https://news.example', audience: 'imgmod', secret: 'news-example-secret-0123456789abcdef' };
/** The JWKS host site of the tests (RS256 and ES256 keys). */
export const BLOG = { id: 'blog', issuer: 'https://blog.example', audience: 'imgmod' };
/** Uploaders whose images belong to NEWS and BLOG (TestService.upload with the site's API key): their readers may report them. */
export const NEWS_UPLOADER = 'site:news';
export const BLOG_UPLOADER = 'site:blog';

export interface JwksSite {
  url: string;
  /** Private keys by kid: `es-1` (ES256) and `rs-1` (RS256) are published; `es-unpublished` is not. */
  keys: Record<'es-1' | 'rs-1' | 'es-unpublished', CryptoKey>;
  close(): Promise<void>;
}

/** Serves BLOG's JWKS (`es-1`, `rs-1`) on 127.0.0.1, port 0. */
export async function startJwksSite(): Promise<JwksSite> {
  const es = await generateKeyPair('ES256');
  const rs = await generateKeyPair('RS256');
  const unpublished = await generateKeyPair('ES256');
  const jwk = async (key: CryptoKey, kid: string, alg: string): Promise<JWK> => ({ ...(await exportJWK(key)), kid, alg, use: 'sig' });
  const body = JSON.stringify({ keys: [await jwk(es.publicKey, 'es-1', 'ES256'), await jwk(rs.publicKey, 'rs-1', 'RS256')] });
  const server: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    keys: { 'es-1': es.privateKey, 'rs-1': rs.privateKey, 'es-unpublished': unpublished.privateKey },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The page origin of NEWS's own site entry (its anonymous readers act on NEWS's images). */
export const NEWS_ORIGIN = 'https://readers.news.example';

/** SIGNED_READER_SITES for NEWS (with NEWS_ORIGIN, anonymous reports on) and BLOG. */
export function signedSitesEnv(jwksUrl: string): string {
  return JSON.stringify([
    { ...NEWS, origins: [NEWS_ORIGIN], anonymousReports: 'on' },
    { ...BLOG, jwksUrl },
  ]);
}

export interface ReaderClaims {
  sub: string;
  issuer?: string;
  audience?: string;
  /** jose duration or seconds-since-epoch; default '5m'. */
  expiresIn?: string | number;
  /** Seconds since the epoch; default now. */
  issuedAt?: number;
  accountCreatedAt?: Date;
}

/** A NEWS reader token (HS256 unless `alg` says otherwise, e.g. 'HS384' for the wrong-algorithm case). */
export function newsToken(claims: ReaderClaims, alg = 'HS256'): Promise<string> {
  return readerJwt(claims, NEWS).setProtectedHeader({ alg }).sign(new TextEncoder().encode(NEWS.secret));
}

/** A BLOG reader token signed with one of the JWKS site's private keys. */
export function blogToken(site: JwksSite, claims: ReaderClaims, kid: keyof JwksSite['keys'] = 'es-1'): Promise<string> {
  const alg = kid === 'rs-1' ? 'RS256' : 'ES256';
  return readerJwt(claims, BLOG).setProtectedHeader({ alg, kid }).sign(site.keys[kid]);
}

function readerJwt(claims: ReaderClaims, site: { issuer: string; audience: string }): SignJWT {
  const extra = claims.accountCreatedAt ? { account_created_at: Math.floor(claims.accountCreatedAt.getTime() / 1000) } : {};
  return new SignJWT(extra)
    .setSubject(claims.sub)
    .setIssuer(claims.issuer ?? site.issuer)
    .setAudience(claims.audience ?? site.audience)
    .setIssuedAt(claims.issuedAt)
    .setExpirationTime(claims.expiresIn ?? '5m');
}

export interface ReaderRequest {
  /** A bearer token. */
  token?: string;
  /** The anonymous reader cookie value (`imgmod_reader=…`). */
  cookie?: string;
  /** The client address the request claims (X-Forwarded-For). */
  ip?: string;
  origin?: string;
}

/** fetch against the service as a reader. */
export function asReader(service: TestService, path: string, reader: ReaderRequest, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (reader.token) headers.set('authorization', `Bearer ${reader.token}`);
  if (reader.cookie) headers.set('cookie', reader.cookie);
  if (reader.ip) headers.set('x-forwarded-for', reader.ip);
  if (reader.origin) headers.set('origin', reader.origin);
  return fetch(`${service.baseUrl}${path}`, { ...init, headers });
}

/** Reports an image as a reader. */
export function reportAs(service: TestService, imageId: string, reader: ReaderRequest, reason = 'spam'): Promise<Response> {
  return asReader(service, `/v1/images/${imageId}/reports`, reader, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reason }),
  });
}

/**
 * A new anonymous reader from `ip`: its cookie (`imgmod_reader=…`, or `imgmod_reader_<site>=…` for the site of
 * `origin`), reader id, and the origin its requests carry (none: the first-party site).
 */
export async function anonymousReader(
  service: TestService,
  ip: string,
  origin?: string,
): Promise<{ cookie: string; readerId: string; ip: string; origin?: string }> {
  const response = await asReader(service, '/v1/readers/anonymous', { ip, origin }, { method: 'POST' });
  if (response.status !== 201) throw new Error(`anonymous reader: ${response.status} ${await response.text()}`);
  const cookie = response.headers.getSetCookie()[0]!.split(';')[0]!;
  const { readerId } = (await response.json()) as { readerId: string };
  return { cookie, readerId, ip, ...(origin ? { origin } : {}) };
}

let networkCounter = 0;
/** A fresh client address in its own /24 (10.x.y.7), so that tests never share a network's rate limit. */
export function freshNetwork(): string {
  networkCounter += 1;
  return `10.${Math.floor(networkCounter / 250)}.${networkCounter % 250}.7`;
}

/** An error answer's HTTP status with its body's `error.code` and `error.message`. */
export async function errorCode(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, ...body.error };
}

/** Who reported the image and how each report was weighed, oldest first (the reader-facing columns of reportsOf). */
export async function readerReports(service: Pick<TestService, 'deps'>, imageId: string) {
  return (await reportsOf(service, imageId)).map(({ reporterId, reporterKind, weight, lowTrust, networkHash }) => ({
    reporterId,
    reporterKind,
    weight,
    lowTrust,
    networkHash,
  }));
}

/** The host-site origin the reader tests' services allow (ALLOWED_ORIGINS). */
export const ALLOWED_ORIGIN = 'https://news.example';

/**
 * A test service set up for reader tests: behind a trusted loopback proxy (X-Forwarded-For is believed), NEWS
 * and BLOG as signed-reader sites (BLOG's JWKS served locally), ALLOWED_ORIGIN for CORS. `close` stops both.
 */
export async function startReaderService(): Promise<{ service: TestService; jwks: JwksSite; close: () => Promise<void> }> {
  const jwks = await startJwksSite();
  const service = await startTestService({
    env: { TRUST_PROXY: 'loopback', ALLOWED_ORIGINS: ALLOWED_ORIGIN, SIGNED_READER_SITES: signedSitesEnv(jwks.url) },
  });
  return {
    service,
    jwks,
    close: async () => {
      await service.close();
      await jwks.close();
    },
  };
}

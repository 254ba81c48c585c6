/**
 * Test helpers for sites: create a site through the admin API, mint its readers' tokens (HS256), and compare
 * error answers without their request ids.
 */
import { SignJWT } from 'jose';
import type { TestService } from './test-service.js';

/** A host site of the tests: its id, browser origin, and the HS256 secret its server signs readers with. */
export interface TestSite {
  id: string;
  origin: string;
  issuer: string;
  secret: string;
}

/** A test site named `id`: origin https://<id>.example, issuer the same, a secret of its own. */
export function testSite(id: string): TestSite {
  return { id, origin: `https://${id}.example`, issuer: `https://${id}.example`, secret: `${id}-secret-0123456789abcdef0123456789` };
}

/** Sends an admin request (JSON body) as `admin-1`. */
export function asAdmin(service: TestService, path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  return service.request(path, {
    method: init.method ?? 'GET',
    as: 'admin-1',
    role: 'admin',
    ...(init.body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.body) }),
  });
}

/** Creates the site through POST /v1/admin/sites (anonymous reports on); throws unless 201. */
export async function createTestSite(service: TestService, site: TestSite, extra: Record<string, unknown> = {}): Promise<void> {
  const response = await asAdmin(service, '/v1/admin/sites', {
    method: 'POST',
    body: {
      id: site.id,
      name: `The ${site.id} site`,
      allowedOrigins: [site.origin],
      issuer: site.issuer,
      readerKeys: [{ secret: site.secret }],
      anonymousReports: 'on',
      ...extra,
    },
  });
  if (response.status !== 201) throw new Error(`create site ${site.id}: ${response.status} ${await response.text()}`);
}

/** A reader token of the site, for `sub`, with an account created `accountAgeDays` ago (default 400). */
export function siteReaderToken(site: TestSite, sub: string, accountAgeDays = 400): Promise<string> {
  return new SignJWT({ account_created_at: Math.floor(Date.now() / 1000) - accountAgeDays * 86_400 })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(site.issuer)
    .setAudience('imgmod')
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(site.secret));
}

/** An answer's status and error body without its request id: what "the same answer as a missing image" compares. */
export async function answerOf(response: Response): Promise<{ status: number; body: unknown }> {
  const body = (await response.json()) as { error?: Record<string, unknown> };
  if (body.error) delete body.error.requestId;
  return { status: response.status, body };
}

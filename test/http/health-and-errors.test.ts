/**
 * The operator's probes and the answers every client relies on: /healthz, /readyz, the Content-Security-Policy
 * of each kind of page, the error catalogue, and the body of an unexpected error (500).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../../src/errors.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { forceStatus } from '../helpers/records.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ workers: false });
});
afterAll(() => service.close());

describe('health probes', () => {
  it('when the process runs, then /healthz answers 200 ok without touching a dependency', async () => {
    const response = await service.request('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('when PostgreSQL and Redis answer, then /readyz answers 200 with both checks ok', async () => {
    const response = await service.request('/readyz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', checks: { postgres: 'ok', redis: 'ok' } });
  });
});

describe('Content-Security-Policy', () => {
  it('when the moderator page is served, then scripts come from our origin only and it cannot be framed', async () => {
    const csp = (await service.request('/moderate')).headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
  });

  it('when an image or its placeholder is served, then it is sandboxed with nothing allowed', async () => {
    const id = (await (await service.upload('real/concert.jpg')).json()) as { id: string };
    // Still processing (no workers): the 503 answer is JSON, and served bytes carry the sandbox CSP.
    const processing = await service.request(`/i/${id.id}`);
    expect(processing.status).toBe(503);
    await forceStatus(service, id.id, 'removed');
    const placeholder = await service.request(`/i/${id.id}`);
    expect(placeholder.status).toBe(410);
    expect(placeholder.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(placeholder.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('errors', () => {
  it('when a client asks for the error catalogue, then every code comes with its HTTP status', async () => {
    const response = await service.request('/v1/error-codes');
    expect(response.status).toBe(200);
    const { codes } = (await response.json()) as { codes: Record<string, { httpStatus: number; meaning: string }> };
    expect(Object.keys(codes).sort()).toEqual(Object.keys(ERROR_CATALOGUE).sort());
    expect(codes.rate_limited).toMatchObject({ httpStatus: 429 });
  });

  it('when something unexpected fails, then the answer is 500 internal_error with the request id and no detail of the failure', async () => {
    const id = ((await (await service.upload('real/concert.jpg')).json()) as { id: string }).id;
    await service.deps.pool.query(
      `UPDATE images SET status = 'visible', display_key = 'display/x.jpeg', display_mime_type = 'image/jpeg' WHERE id = $1`,
      [id],
    );
    const storage = service.deps.storage;
    service.deps.storage = { ...storage, get: () => Promise.reject(new Error('disk controller on fire at /var/secret/path')) };
    try {
      const response = await service.request(`/i/${id}`, { headers: { 'x-request-id': 'req-test-500' } });
      expect(response.status).toBe(500);
      const body = (await response.json()) as { error: { code: string; message: string; requestId: string } };
      expect(body.error.code).toBe('internal_error');
      expect(body.error.message).not.toContain('secret');
      expect(body.error.requestId).toEqual(expect.any(String));
      expect(body.error.requestId.length).toBeGreaterThan(0);
    } finally {
      service.deps.storage = storage;
    }
  });

  it('when an error answers, then its status is the one the catalogue gives its code', async () => {
    const response = await service.request('/v1/images/00000000-0000-4000-8000-000000000000', { as: 'alice' });
    const body = (await response.json()) as { error: { code: keyof typeof ERROR_CATALOGUE } };
    expect(response.status).toBe(ERROR_CATALOGUE[body.error.code].httpStatus);
  });
});

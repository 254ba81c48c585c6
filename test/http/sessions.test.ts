/**
 * Moderator sessions kept server-side, roles, capped token lifetimes and the job dashboard's permissions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/auth/tokens.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { ageSessions, operatorTargets } from '../helpers/records.js';

let service: TestService;
let closed: TestService;
beforeAll(async () => {
  service = await startTestService({ workers: false, env: { TRUST_PROXY: 'loopback' } });
  closed = await startTestService({ workers: false, env: { MODERATOR_TOKEN_SIGNIN: 'false' } });
});
afterAll(async () => {
  await service?.close();
  await closed?.close();
});

/** Signs in through the development token sign-in; returns the session cookie as sent back (`name=value`). */
async function signIn(
  sub: string,
  role: 'moderator' | 'admin' = 'moderator',
  headers: Record<string, string> = {},
): Promise<{ cookie: string; setCookie: string }> {
  const response = await fetch(`${service.baseUrl}/v1/moderation/session`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await service.token(sub, role)}`, ...headers },
  });
  expect(response.status).toBe(200);
  const setCookie = response.headers.getSetCookie()[0]!;
  return { cookie: setCookie.split(';')[0]!, setCookie };
}

const withCookie = (path: string, cookie: string, init: RequestInit = {}) =>
  fetch(`${service.baseUrl}${path}`, { ...init, headers: { ...init.headers, cookie } });

describe('moderator sessions', () => {
  it('when a moderator signs out, then the same cookie no longer works anywhere', async () => {
    const { cookie, setCookie } = await signIn('mod-sara');
    expect(setCookie).toMatch(/^imgmod_session=[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/; Expires=.*; HttpOnly; SameSite=Strict$/);
    expect((await withCookie('/v1/moderation/queue', cookie)).status).toBe(200);
    expect(await (await withCookie('/v1/moderation/session', cookie)).json()).toEqual({ moderatorId: 'mod-sara', role: 'moderator' });
    expect((await withCookie('/v1/moderation/session', cookie, { method: 'DELETE' })).status).toBe(204);
    const after = await withCookie('/v1/moderation/queue', cookie);
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { message: string } }).error.message).toMatch(/session has ended/);
    expect((await withCookie('/admin/queues', cookie)).status).toBe(401);
  });

  it('when the request came over TLS, then the cookie is __Host- prefixed and Secure', async () => {
    const { setCookie } = await signIn('mod-tls', 'moderator', { 'x-forwarded-proto': 'https' });
    expect(setCookie).toMatch(/^__Host-imgmod_session=[^;]+; Max-Age=\d+; Path=\/; Expires=.*; HttpOnly; Secure; SameSite=Strict$/);
  });

  it('when a session sat idle past SESSION_IDLE_TIMEOUT or outlived SESSION_MAX_AGE, then it is refused', async () => {
    const idle = await signIn('mod-idle');
    const old = await signIn('mod-old');
    await ageSessions(service, 'mod-idle', { idleMinutes: 61 });
    await ageSessions(service, 'mod-old', { expired: true });
    expect((await withCookie('/v1/moderation/queue', idle.cookie)).status).toBe(401);
    expect((await withCookie('/v1/moderation/queue', old.cookie)).status).toBe(401);
  });

  it('when a session is used, then its idle clock restarts', async () => {
    const { cookie } = await signIn('mod-busy');
    await ageSessions(service, 'mod-busy', { idleMinutes: 59 });
    expect((await withCookie('/v1/moderation/queue', cookie)).status).toBe(200);
    await ageSessions(service, 'mod-busy', { idleMinutes: 30 });
    expect((await withCookie('/v1/moderation/queue', cookie)).status).toBe(200);
  });

  it('when an admin revokes a session, then it ends at once and the revocation is recorded', async () => {
    const { cookie } = await signIn('mod-leaving');
    const list = (await (await service.request('/v1/admin/sessions', { as: 'ada', role: 'admin' })).json()) as {
      sessions: { idHash: string; subject: string }[];
    };
    const target = list.sessions.find((session) => session.subject === 'mod-leaving')!;
    expect(target.idHash).toMatch(/^[0-9a-f]{64}$/);
    expect((await service.request(`/v1/admin/sessions/${target.idHash}`, { method: 'DELETE', as: 'ada', role: 'admin' })).status).toBe(204);
    expect((await withCookie('/v1/moderation/queue', cookie)).status).toBe(401);
    expect((await service.request(`/v1/admin/sessions/${target.idHash}`, { method: 'DELETE', as: 'ada', role: 'admin' })).status).toBe(404);
    const events = (await (await service.request('/v1/admin/events', { as: 'ada', role: 'admin' })).json()) as {
      events: { actorId: string; action: string; target: string }[];
    };
    expect(events.events).toContainEqual(expect.objectContaining({ actorId: 'ada', action: 'session_revoked', target: 'mod-leaving' }));
  });

  it('when a moderator asks for the admin routes, then 403', async () => {
    expect((await service.request('/v1/admin/sessions', { as: 'mod', role: 'moderator' })).status).toBe(403);
    const { cookie } = await signIn('mod-curious');
    expect((await withCookie('/v1/admin/sessions', cookie)).status).toBe(403);
  });

  it('when token sign-in is off (production), then pasting a token is refused', async () => {
    const response = await closed.request('/v1/moderation/session', { method: 'POST', as: 'mod', role: 'moderator' });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('token_signin_disabled');
    expect(await (await fetch(`${closed.baseUrl}/auth/options`)).json()).toEqual({ oidc: false, token: false });
  });
});

describe('first-party tokens', () => {
  it('when a token lives longer than TOKEN_MAX_LIFETIME, then it is refused however valid its signature', async () => {
    const secret = service.deps.config.JWT_SECRET;
    const century = await signToken(secret, { sub: 'forever', role: 'moderator', expiresIn: '100y' });
    const response = await fetch(`${service.baseUrl}/v1/moderation/queue`, { headers: { authorization: `Bearer ${century}` } });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/TOKEN_MAX_LIFETIME/);
    const day = await signToken(secret, { sub: 'today', role: 'moderator', expiresIn: '24h' });
    expect((await fetch(`${service.baseUrl}/v1/moderation/queue`, { headers: { authorization: `Bearer ${day}` } })).status).toBe(200);
  });
});

describe('the job dashboard', () => {
  it('when a moderator opens it, then it is read-only and never framed', async () => {
    const { cookie } = await signIn('mod-viewer');
    const page = await withCookie('/admin/queues', cookie);
    expect(page.status).toBe(200);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const queues = (await (await withCookie('/admin/queues/api/queues', cookie)).json()) as {
      queues: { name: string; readOnlyMode: boolean }[];
    };
    expect(queues.queues.map((queue) => queue.name).sort()).toEqual(['deliver-webhook', 'evaluate-image', 'process-image', 'purge-image']);
    expect(queues.queues.every((queue) => queue.readOnlyMode)).toBe(true);
    const pause = await withCookie('/admin/queues/api/queues/process-image/pause', cookie, { method: 'PUT' });
    expect(pause.status).toBe(403);
    expect(await service.deps.queues['process-image'].isPaused()).toBe(false);
  });

  it('when an admin pauses and resumes a queue, then it works and both changes are recorded', async () => {
    const { cookie } = await signIn('ada-ops', 'admin');
    const queues = (await (await withCookie('/admin/queues/api/queues', cookie)).json()) as { queues: { readOnlyMode: boolean }[] };
    expect(queues.queues.every((queue) => !queue.readOnlyMode)).toBe(true);
    expect((await withCookie('/admin/queues/api/queues/process-image/pause', cookie, { method: 'PUT' })).status).toBeLessThan(300);
    expect(await service.deps.queues['process-image'].isPaused()).toBe(true);
    expect((await withCookie('/admin/queues/api/queues/process-image/resume', cookie, { method: 'PUT' })).status).toBeLessThan(300);
    expect(await service.deps.queues['process-image'].isPaused()).toBe(false);
    expect(await operatorTargets(service, { action: 'job_queue_changed', actorId: 'ada-ops' })).toEqual([
      '/api/queues/process-image/pause',
      '/api/queues/process-image/resume',
    ]);
  });
});

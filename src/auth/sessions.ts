/** Use cases: moderator sessions: start one at sign-in, resume it per request, end it, list and revoke them. */
import { createHash, randomBytes } from 'node:crypto';
import type { User } from './tokens.js';
import type { Deps } from '../deps.js';
import { appendOperatorEvent } from '../db/operator-events.repository.js';
import { endSession, insertSession, listActiveSessions, touchSession, type SessionRow } from '../db/sessions.repository.js';

/** The SHA-256 (hex) of a session id: what the database keeps. */
export function sessionIdHash(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex');
}

/**
 * Starts a session for a signed-in moderator or admin: a new 256-bit random id (base64url) for the cookie, its
 * hash stored with the identity, ending SESSION_MAX_AGE from now at the latest.
 * @returns the session id, to be set as the cookie and never stored
 */
export async function startSession(
  deps: Pick<Deps, 'pool' | 'config'>,
  identity: { subject: string; name: string | null; role: 'moderator' | 'admin'; provider: 'oidc' | 'token' },
): Promise<{ sessionId: string; expiresAt: Date }> {
  const sessionId = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + deps.config.SESSION_MAX_AGE_MS);
  await insertSession(deps.pool, { idHash: sessionIdHash(sessionId), ...identity, expiresAt });
  return { sessionId, expiresAt };
}

/** The user of a session id if the session is still active (marking it used), else null. */
export async function resumeSession(
  deps: Pick<Deps, 'pool' | 'config'>,
  sessionId: string,
): Promise<(User & { session: SessionRow }) | null> {
  const session = await touchSession(deps.pool, { idHash: sessionIdHash(sessionId), idleMs: deps.config.SESSION_IDLE_TIMEOUT_MS });
  return session && { id: session.subject, role: session.role, session };
}

/** Signs out: ends the session of this id for good (the same cookie no longer works anywhere). */
export async function signOut(deps: Pick<Deps, 'pool'>, sessionId: string): Promise<void> {
  await endSession(deps.pool, { idHash: sessionIdHash(sessionId), reason: 'sign_out' });
}

/** Active sessions, newest first (at most 500), for admins. */
export function listSessions(deps: Pick<Deps, 'pool' | 'config'>): Promise<SessionRow[]> {
  return listActiveSessions(deps.pool, { idleMs: deps.config.SESSION_IDLE_TIMEOUT_MS, limit: 500 });
}

/**
 * An admin ends someone's session, recorded as an operator event.
 * @returns false when no active session has this hash
 */
export async function revokeSession(deps: Pick<Deps, 'pool'>, input: { idHash: string; adminId: string }): Promise<boolean> {
  const ended = await endSession(deps.pool, { idHash: input.idHash, reason: 'revoked' });
  if (ended)
    await appendOperatorEvent(deps.pool, {
      actorId: input.adminId,
      action: 'session_revoked',
      target: ended.subject,
      details: { idHash: input.idHash },
    });
  return ended !== null;
}

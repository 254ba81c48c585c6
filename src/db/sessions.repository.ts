/** SQL for moderator sessions: one row per sign-in, found by the SHA-256 of the cookie's random id. */
import type { Queryable } from './pool.js';

export interface SessionRow {
  /** SHA-256 of the session id (hex): safe to show an admin, useless as a cookie. */
  idHash: string;
  subject: string;
  name: string | null;
  role: 'moderator' | 'admin';
  provider: 'oidc' | 'token';
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

const COLUMNS = `id_hash AS "idHash", subject, name, role, provider, created_at AS "createdAt", last_seen_at AS "lastSeenAt", expires_at AS "expiresAt"`;

/** Stores a new session that ends at `expiresAt` at the latest. */
export async function insertSession(db: Queryable, session: Omit<SessionRow, 'createdAt' | 'lastSeenAt'>): Promise<void> {
  await db.query(`INSERT INTO sessions (id_hash, subject, name, role, provider, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`, [
    session.idHash,
    session.subject,
    session.name,
    session.role,
    session.provider,
    session.expiresAt,
  ]);
}

/**
 * The session if it is still active (not ended, not past `expires_at`, used within `idleMs`), marking it used now.
 * @returns null for an unknown, ended, expired or idle session
 */
export async function touchSession(db: Queryable, query: { idHash: string; idleMs: number }): Promise<SessionRow | null> {
  const result = await db.query<SessionRow>(
    `UPDATE sessions SET last_seen_at = now()
     WHERE id_hash = $1 AND ended_at IS NULL AND expires_at > now() AND last_seen_at > now() - $2 * interval '1 millisecond'
     RETURNING ${COLUMNS}`,
    [query.idHash, query.idleMs],
  );
  return result.rows[0] ?? null;
}

/** Ends a session. @returns the session ended, or null when it was unknown or already ended */
export async function endSession(db: Queryable, end: { idHash: string; reason: 'sign_out' | 'revoked' }): Promise<SessionRow | null> {
  const result = await db.query<SessionRow>(
    `UPDATE sessions SET ended_at = now(), end_reason = $2 WHERE id_hash = $1 AND ended_at IS NULL RETURNING ${COLUMNS}`,
    [end.idHash, end.reason],
  );
  return result.rows[0] ?? null;
}

/** Sessions not ended and within their absolute and idle limits, newest first. */
export async function listActiveSessions(db: Queryable, query: { idleMs: number; limit: number }): Promise<SessionRow[]> {
  const result = await db.query<SessionRow>(
    `SELECT ${COLUMNS} FROM sessions
     WHERE ended_at IS NULL AND expires_at > now() AND last_seen_at > now() - $1 * interval '1 millisecond'
     ORDER BY created_at DESC LIMIT $2`,
    [query.idleMs, query.limit],
  );
  return result.rows;
}

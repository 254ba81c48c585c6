/** Use case: a moderator signed in at the organisation's identity provider; grant a session or refuse them. */
import type { Deps } from '../deps.js';
import { appendOperatorEvent } from '../db/operator-events.repository.js';
import { identityFromClaims, roleFromClaims } from '../domain/roles.js';
import { startSession } from './sessions.js';

export type SignInResult =
  { ok: true; sessionId: string; expiresAt: Date; subject: string; role: 'moderator' | 'admin' } | { ok: false; subject: string };

/**
 * Maps the provider's claims to a role (OIDC_ROLES_CLAIM holding OIDC_MODERATOR_ROLE or OIDC_ADMIN_ROLE) and starts
 * a session; an identity holding neither is refused, and the refusal is recorded as an operator event. Roles are
 * read at every sign-in, so a role the provider revoked takes effect at the next one (SESSION_MAX_AGE at most).
 */
export async function signInWithClaims(deps: Pick<Deps, 'pool' | 'config'>, claims: Record<string, unknown>): Promise<SignInResult> {
  const identity = identityFromClaims(claims);
  const role = roleFromClaims(claims, {
    claim: deps.config.OIDC_ROLES_CLAIM,
    moderatorValue: deps.config.OIDC_MODERATOR_ROLE,
    adminValue: deps.config.OIDC_ADMIN_ROLE,
  });
  if (!role) {
    await appendOperatorEvent(deps.pool, {
      actorId: null,
      action: 'sign_in_refused',
      target: identity.id,
      details: { claim: deps.config.OIDC_ROLES_CLAIM },
    });
    return { ok: false, subject: identity.id };
  }
  const session = await startSession(deps, { subject: identity.id, name: identity.name, role, provider: 'oidc' });
  await appendOperatorEvent(deps.pool, {
    actorId: identity.id,
    action: 'signed_in',
    target: identity.id,
    details: { role, provider: 'oidc' },
  });
  return { ok: true, ...session, subject: identity.id, role };
}

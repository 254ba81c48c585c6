/**
 * Roles and what each may do: `reader` reports, `moderator` reviews and decides, `admin` also manages sessions,
 * settings and the job queues. Pure: no I/O.
 */
export const ROLES = ['reader', 'moderator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { reader: 0, moderator: 1, admin: 2 };

/** True when `role` includes `required`: an admin is also a moderator, and both are readers. */
export function hasRole(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

/** How the organisation's identity provider grants imgmod roles: a claim holding a value or a list of values. */
export interface RoleMapping {
  /** OIDC_ROLES_CLAIM, e.g. `groups` or `roles`. */
  claim: string;
  /** OIDC_MODERATOR_ROLE: the value that grants `moderator`. */
  moderatorValue: string;
  /** OIDC_ADMIN_ROLE: the value that grants `admin`. */
  adminValue: string;
}

/**
 * The role a signed-in identity holds from its claims: `admin`, `moderator`, or null when the provider grants
 * neither (the sign-in is refused).
 */
export function roleFromClaims(claims: Record<string, unknown>, mapping: RoleMapping): 'admin' | 'moderator' | null {
  const raw = claims[mapping.claim];
  const values = Array.isArray(raw)
    ? raw.filter((value): value is string => typeof value === 'string')
    : typeof raw === 'string'
      ? raw.split(/[\s,]+/)
      : [];
  if (values.includes(mapping.adminValue)) return 'admin';
  return values.includes(mapping.moderatorValue) ? 'moderator' : null;
}

/**
 * The identity a moderator is known by in the audit log, from the provider's claims: `preferred_username`, else
 * `email`, else `sub`, always prefixed `oidc:` so it never collides with a token's subject (which has no colon).
 */
export function identityFromClaims(claims: Record<string, unknown>): { id: string; name: string | null } {
  const pick = (key: string) => (typeof claims[key] === 'string' && claims[key] !== '' ? claims[key] : null);
  const handle = pick('preferred_username') ?? pick('email') ?? String(claims.sub);
  return { id: `oidc:${handle}`.slice(0, 200), name: pick('name') };
}

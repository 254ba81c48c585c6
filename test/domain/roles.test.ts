import { describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../src/auth/tokens.js';
import { hasRole, identityFromClaims, roleFromClaims } from '../../src/domain/roles.js';

describe('roles', () => {
  const table: Record<Role, Record<Role, boolean>> = {
    reader: { reader: true, moderator: false, admin: false },
    moderator: { reader: true, moderator: true, admin: false },
    admin: { reader: true, moderator: true, admin: true },
  };
  it.each(ROLES.flatMap((role) => ROLES.map((required) => ({ role, required, allowed: table[role][required] }))))(
    'when a $role needs $required, then allowed is $allowed',
    ({ role, required, allowed }) => {
      expect(hasRole(role, required)).toBe(allowed);
    },
  );

  const mapping = { claim: 'groups', moderatorValue: 'imgmod-moderator', adminValue: 'imgmod-admin' };
  it.each([
    { claims: { groups: ['staff', 'imgmod-moderator'] }, role: 'moderator' },
    { claims: { groups: ['imgmod-moderator', 'imgmod-admin'] }, role: 'admin' },
    { claims: { groups: 'imgmod-admin other' }, role: 'admin' },
    { claims: { groups: ['staff'] }, role: null },
    { claims: { groups: [] }, role: null },
    { claims: {}, role: null },
    { claims: { groups: [42, { x: 1 }] }, role: null },
  ])('when the claims are $claims, then the role is $role', ({ claims, role }) => {
    expect(roleFromClaims(claims, mapping)).toBe(role);
  });

  it.each([
    { claims: { sub: 'abc', preferred_username: 'marie', email: 'm@x', name: 'Marie' }, id: 'oidc:marie', name: 'Marie' },
    { claims: { sub: 'abc', email: 'm@x' }, id: 'oidc:m@x', name: null },
    { claims: { sub: 'abc' }, id: 'oidc:abc', name: null },
  ])('when the claims are $claims, then the audit identity is $id', ({ claims, id, name }) => {
    expect(identityFromClaims(claims)).toEqual({ id, name });
  });
});

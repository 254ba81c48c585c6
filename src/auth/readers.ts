/**
 * Who reports: a reader is a first-party user (JWT_SECRET token), a host site's signed reader, or an anonymous
 * browser (cookie). The HTTP middleware (http/middleware/readers.ts) puts one on each reader request.
 */
import type { AnonymousReader } from './anonymous-readers.js';
import type { SignedReader } from './signed-readers.js';
import type { User } from './tokens.js';
import { DEMO_SITE_ID } from '../domain/demo-sandbox.js';
import { hasRole } from '../domain/roles.js';
import { DEFAULT_SITE_ID } from '../domain/sites.js';

/** A first-party user (moderator, uploader, the operator's tools). */
export interface FirstPartyReader extends User {
  kind: 'user';
}

export type Reader = FirstPartyReader | SignedReader | AnonymousReader;

/**
 * The site a reader acts on (domain/sites.ts rule 1): `default` for first-party users, the signing site for a
 * signed reader (the demo site's readers act on the first-party site, where the demo photos are), the cookie's
 * site for an anonymous reader.
 */
export function readerSiteId(reader: Reader): string {
  if (reader.kind === 'user') return DEFAULT_SITE_ID;
  if (reader.kind === 'anonymous') return reader.siteId;
  return reader.siteId === DEMO_SITE_ID ? DEFAULT_SITE_ID : reader.siteId;
}

/** The site whose images a reader may see and report; null (every site) for moderators and admins. */
export function readerImageScope(reader: Reader): string | null {
  return reader.kind === 'user' && hasRole(reader.role, 'moderator') ? null : readerSiteId(reader);
}

/**
 * Who reports: a reader is a first-party user (JWT_SECRET token), a host site's signed reader, or an anonymous
 * browser (cookie). The HTTP middleware (http/middleware/readers.ts) puts one on each reader request.
 */
import type { AnonymousReader } from './anonymous-readers.js';
import type { SignedReader } from './signed-readers.js';
import type { User } from './tokens.js';

/** A first-party user (moderator, uploader, the operator's tools). */
export interface FirstPartyReader extends User {
  kind: 'user';
}

export type Reader = FirstPartyReader | SignedReader | AnonymousReader;

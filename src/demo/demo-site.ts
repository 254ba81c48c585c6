/**
 * The demo's host site (demo mode only): a signed-reader site like any in SIGNED_READER_SITES, whose HS256
 * secret is derived from JWT_SECRET, and its few demo readers. /demo signs their tokens server-side, exactly
 * as a real host site's server would.
 */
import { SignJWT } from 'jose';
import { deriveKey } from '../auth/anonymous-readers.js';
import type { Config, SignedSite } from '../config.js';
import { DEMO_SITE_ID } from '../domain/demo-sandbox.js';

export { DEMO_SITE_ID, DEMO_UPLOADER } from '../domain/demo-sandbox.js';

const DEMO_ISSUER = 'imgmod-demo';
const DEMO_AUDIENCE = 'imgmod';

/** The demo readers: three long-standing accounts and one created yesterday (a low-trust reporter). */
export const DEMO_READERS = {
  ana: { name: 'Ana', accountAgeDays: 900 },
  ben: { name: 'Ben', accountAgeDays: 400 },
  chloe: { name: 'Chloé', accountAgeDays: 1200 },
  dan: { name: 'Dan (new account)', accountAgeDays: 1 },
} as const;
export type DemoReader = keyof typeof DEMO_READERS;

function demoSecret(config: Config): string {
  return deriveKey(config.JWT_SECRET, 'demo-site').toString('base64url');
}

/** The demo site's verification settings (HS256). */
export function demoSite(config: Config): SignedSite {
  return { id: DEMO_SITE_ID, issuer: DEMO_ISSUER, audience: DEMO_AUDIENCE, secret: demoSecret(config) };
}

/**
 * Signs a demo reader's token: HS256, `sub`, `iat`, `exp` in 10 minutes, and `account_created_at` (seconds).
 * A real host site does the same on its server with its own secret.
 */
export async function signDemoReaderToken(config: Config, reader: DemoReader, now = new Date()): Promise<string> {
  const createdAtSeconds = Math.floor(now.getTime() / 1000) - DEMO_READERS[reader].accountAgeDays * 86_400;
  return new SignJWT({ account_created_at: createdAtSeconds })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(DEMO_ISSUER)
    .setAudience(DEMO_AUDIENCE)
    .setSubject(reader)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(demoSecret(config)));
}

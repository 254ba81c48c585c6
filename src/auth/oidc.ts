/**
 * Sign-in with the organisation's OpenID Connect provider (openid-client): the authorization code flow with PKCE,
 * state and nonce. Discovery runs once, on the first sign-in.
 */
import * as client from 'openid-client';
import type { Config } from '../config.js';

/** What the browser must bring back to finish a sign-in, kept in a short-lived HttpOnly cookie. */
export interface PendingSignIn {
  codeVerifier: string;
  state: string;
  nonce: string;
}

export interface OidcSignIn {
  /** Where to send the browser, and what to keep until it comes back to `redirectUri`. */
  begin(redirectUri: string): Promise<{ url: URL; pending: PendingSignIn }>;
  /**
   * Exchanges the code in `callbackUrl` for tokens and returns the verified ID token's claims (merged with
   * userinfo's when the issuer offers it).
   * @throws an openid-client error for a wrong state, nonce, code or signature
   */
  finish(callbackUrl: URL, pending: PendingSignIn): Promise<Record<string, unknown>>;
}

/** Plain http is allowed only for an issuer on this machine (tests, a local provider), never in production. */
function insecureAllowed(config: Config): boolean {
  const host = new URL(config.OIDC_ISSUER!).hostname;
  return config.NODE_ENV !== 'production' && ['localhost', '127.0.0.1', '[::1]'].includes(host);
}

/** The OIDC sign-in of a configuration, or null when OIDC_ISSUER is not set. */
export function oidcSignIn(config: Config): OidcSignIn | null {
  if (!config.OIDC_ISSUER) return null;
  let discovered: Promise<client.Configuration> | null = null;
  const configuration = () => {
    discovered ??= client
      .discovery(
        new URL(config.OIDC_ISSUER!),
        config.OIDC_CLIENT_ID!,
        config.OIDC_CLIENT_SECRET,
        undefined,
        insecureAllowed(config) ? { execute: [client.allowInsecureRequests] } : {},
      )
      .catch((error: unknown) => {
        discovered = null; // try again on the next sign-in
        throw error;
      });
    return discovered;
  };
  return {
    async begin(redirectUri) {
      const pending = { codeVerifier: client.randomPKCECodeVerifier(), state: client.randomState(), nonce: client.randomNonce() };
      const url = client.buildAuthorizationUrl(await configuration(), {
        redirect_uri: redirectUri,
        scope: 'openid profile email',
        code_challenge: await client.calculatePKCECodeChallenge(pending.codeVerifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      return { url, pending };
    },
    async finish(callbackUrl, pending) {
      const oidc = await configuration();
      const tokens = await client.authorizationCodeGrant(oidc, callbackUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const claims: Record<string, unknown> = { ...tokens.claims() };
      if (oidc.serverMetadata().userinfo_endpoint) {
        Object.assign(claims, await client.fetchUserInfo(oidc, tokens.access_token, String(claims.sub)));
      }
      return claims;
    },
  };
}

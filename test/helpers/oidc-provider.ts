/**
 * A real OpenID Connect provider (oidc-provider) on 127.0.0.1 for the sign-in tests: one confidential client
 * (`imgmod`), PKCE required, its development login and consent pages, and accounts whose `groups` a test can change.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestAccount {
  name: string;
  groups: string[];
}

export interface TestIdentityProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Accounts by login name; a test may change their groups (a revoked role). */
  accounts: Map<string, TestAccount>;
  /** Registers imgmod's callback (known once the service listens). */
  register(redirectUri: string): void;
  close(): Promise<void>;
}

/** Listens first (the issuer URL needs the port), then answers with a provider once `register` is called. */
export async function startIdentityProvider(): Promise<TestIdentityProvider> {
  const accounts = new Map<string, TestAccount>();
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server: Server = createServer((req, res) => (handler ? handler(req, res) : res.writeHead(503).end()));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'imgmod';
  const clientSecret = 'imgmod-test-client-secret-0123456789';
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    register(redirectUri) {
      const provider = new Provider(issuer, {
        clients: [
          {
            client_id: clientId,
            client_secret: clientSecret,
            redirect_uris: [redirectUri],
            response_types: ['code'],
            grant_types: ['authorization_code'],
          },
        ],
        findAccount: (_ctx: unknown, id: string) => ({
          accountId: id,
          claims: () =>
            Promise.resolve({
              sub: id,
              preferred_username: id,
              name: accounts.get(id)?.name ?? id,
              groups: accounts.get(id)?.groups ?? [],
            }),
        }),
        claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'groups'] },
        conformIdTokenClaims: false,
        pkce: { required: () => true, methods: ['S256'] },
        features: { devInteractions: { enabled: true } },
        cookies: { keys: ['imgmod-test-provider-cookie-key'] },
      });
      const callback = provider.callback();
      handler = (req, res) => void callback(req, res);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** First-party tokens: verified once, then answered from memory until they expire, never past `exp`. */
import { webcrypto } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { signedReaderVerifier } from '../../src/auth/signed-readers.js';
import { signToken, TokenError, verifyToken } from '../../src/auth/tokens.js';

const SECRET = 'tokens-test-secret-0123456789abcdef';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('verifyToken', () => {
  it('when a valid token is verified twice, then both name the same user', async () => {
    const token = await signToken(SECRET, { sub: 'alice', role: 'moderator', expiresIn: '1h' });
    expect(await verifyToken(SECRET, token)).toEqual({ id: 'alice', role: 'moderator' });
    expect(await verifyToken(SECRET, token)).toEqual({ id: 'alice', role: 'moderator' });
  });

  it('when a token verified once has since expired, then it is refused, not answered from memory', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const token = await signToken(SECRET, { sub: 'bob', expiresIn: '60s' });
    expect(await verifyToken(SECRET, token)).toEqual({ id: 'bob', role: 'reader' });
    vi.setSystemTime(Date.now() + 61_000);
    await expect(verifyToken(SECRET, token)).rejects.toThrow(new TokenError('token expired'));
  });

  it('when a token was verified under one secret, then another secret still refuses it', async () => {
    const token = await signToken(SECRET, { sub: 'carol', expiresIn: '1h' });
    await verifyToken(SECRET, token);
    await expect(verifyToken('another-secret-0123456789abcdef', token)).rejects.toThrow(new TokenError('token invalid'));
  });

  it('when a token passed without a lifetime rule, then the rule still applies to it', async () => {
    const token = await signToken(SECRET, { sub: 'dan', expiresIn: '30d' });
    await verifyToken(SECRET, token);
    await expect(verifyToken(SECRET, token, { maxLifetimeMs: 86_400_000 })).rejects.toThrow(/TOKEN_MAX_LIFETIME/);
  });

  it('when a forged token is sent twice, then it is refused twice', async () => {
    const token = await signToken('forger-secret-0123456789abcdef', { sub: 'eve', role: 'admin', expiresIn: '1h' });
    await expect(verifyToken(SECRET, token)).rejects.toThrow(TokenError);
    await expect(verifyToken(SECRET, token)).rejects.toThrow(TokenError);
  });
});

describe('HMAC keys', () => {
  it('when many tokens are verified under one secret, then its key is imported once, not at each verification', async () => {
    const secret = 'imported-once-secret-0123456789abcdef';
    const tokens = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((sub) => signToken(secret, { sub, expiresIn: '1h' })));
    const imports = vi.spyOn(webcrypto.subtle, 'importKey');
    for (const [i, token] of tokens.entries()) expect(await verifyToken(secret, token)).toEqual({ id: 'abcde'[i], role: 'reader' });
    expect(imports).toHaveBeenCalledTimes(1);
  });

  it("when a site's secret cannot be imported (empty), then its tokens are refused and the process gets no unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const site = { id: 'site-2', issuer: 'https://empty.example', audience: 'imgmod', keys: [{ secret: '' }] };
      const verifier = signedReaderVerifier([site], 3_600_000);
      await new Promise((resolve) => setImmediate(resolve));
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(site.issuer)
        .setAudience(site.audience)
        .setSubject('r')
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode('some-other-secret-0123456789abcdef'));
      // Refused as when a site's keys cannot be used (reader_keys_unavailable), as before keys were imported once.
      await expect(verifier.verify(token)).rejects.toThrow(/signing keys/);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it("when a site's HS256 readers are verified, then its secret is imported once for them all", async () => {
    const site = {
      id: 'site-1',
      issuer: 'https://news.example',
      audience: 'imgmod',
      keys: [{ secret: 'site-secret-0123456789abcdef-0123' }],
    };
    const bytes = new TextEncoder().encode(site.keys[0]!.secret);
    const tokens = await Promise.all(
      ['r1', 'r2', 'r3', 'r4'].map((sub) =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer(site.issuer)
          .setAudience(site.audience)
          .setSubject(sub)
          .setIssuedAt()
          .setExpirationTime('10m')
          .sign(bytes),
      ),
    );
    const imports = vi.spyOn(webcrypto.subtle, 'importKey');
    const verifier = signedReaderVerifier([site], 3_600_000);
    for (const token of tokens) await verifier.verify(token);
    expect(imports).toHaveBeenCalledTimes(1);
  });
});

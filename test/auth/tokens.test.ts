/** First-party tokens: verified once, then answered from memory until they expire, never past `exp`. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { signToken, TokenError, verifyToken } from '../../src/auth/tokens.js';

const SECRET = 'tokens-test-secret-0123456789abcdef';

afterEach(() => {
  vi.useRealTimers();
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

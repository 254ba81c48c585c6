/**
 * A moderator signs in through the organisation's OpenID provider (a real oidc-provider on loopback) in Chromium:
 * the whole authorization-code + PKCE flow, a refused user, a revoked role, and a sign-out that ends the session.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import { startIdentityProvider, type TestIdentityProvider } from '../helpers/oidc-provider.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { auditEvents, operatorTargets } from '../helpers/records.js';

let idp: TestIdentityProvider;
let service: TestService;
let browser: Browser;
beforeAll(async () => {
  idp = await startIdentityProvider();
  idp.accounts.set('marie', { name: 'Marie Curie', groups: ['staff', 'imgmod-moderator'] });
  idp.accounts.set('paul', { name: 'Paul', groups: ['staff'] });
  service = await startTestService({
    env: { OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: idp.clientId, OIDC_CLIENT_SECRET: idp.clientSecret, MODERATOR_TOKEN_SIGNIN: 'false' },
  });
  idp.register(`${service.baseUrl}/auth/callback`);
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await service?.close();
  await idp?.close();
});

/** Goes through the provider's login and consent pages as `login`. */
async function signInAs(page: Page, login: string): Promise<void> {
  await page.goto(`${service.baseUrl}/moderate`);
  await page.getByRole('link', { name: 'Sign in with your organisation’s account' }).click();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.locator('button[type="submit"]').click();
  await page.getByRole('button', { name: 'Continue' }).click();
}

describe("signing in with the organisation's identity provider", () => {
  it('when a moderator signs in, decides and signs out, then the audit names them and the old cookie no longer works', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInAs(page, 'marie');
    await page.waitForURL(`${service.baseUrl}/moderate`);
    await expect.poll(() => page.locator('#review').isVisible()).toBe(true);
    expect(await page.locator('#sign-in').isVisible()).toBe(false);

    const id = await service.uploadDistinct();
    const decided = await page.evaluate(async (imageId) => {
      const response = await fetch(`/v1/moderation/images/${imageId}/decision`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'uphold', note: 'seen' }),
      });
      return response.status;
    }, id);
    expect(decided).toBe(200);
    const uphold = (await auditEvents(service, id)).find((event) => event.action === 'uphold');
    expect(uphold?.actorId).toBe('oidc:marie');

    const cookie = (await context.cookies()).find((candidate) => candidate.name.endsWith('imgmod_session'))!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByRole('link', { name: 'Sign in with your organisation’s account' }).isVisible()).toBe(true);
    const replay = await fetch(`${service.baseUrl}/v1/moderation/queue`, { headers: { cookie: `${cookie.name}=${cookie.value}` } });
    expect(replay.status).toBe(401);
    expect(await page.locator('#sign-in').isVisible()).toBe(false); // no token form when token sign-in is off
    await context.close();
  }, 90_000);

  it('when someone without the moderator role signs in, then they are refused and the refusal is recorded', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInAs(page, 'paul');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Not a moderator');
    expect((await context.cookies()).some((cookie) => cookie.name.endsWith('imgmod_session'))).toBe(false);
    expect(await operatorTargets(service, { action: 'sign_in_refused' })).toContain('oidc:paul');
    await context.close();
  }, 90_000);

  it("when the provider revokes a moderator's role, then their next sign-in is refused", async () => {
    // An account of its own: revoking marie's role would refuse her in whichever test runs after this one.
    idp.accounts.set('irene', { name: 'Irène Joliot-Curie', groups: ['staff', 'imgmod-moderator'] });
    const before = await browser.newContext();
    const moderating = await before.newPage();
    await signInAs(moderating, 'irene');
    await moderating.waitForURL(`${service.baseUrl}/moderate`);
    await before.close();

    idp.accounts.set('irene', { name: 'Irène Joliot-Curie', groups: ['staff'] });
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInAs(page, 'irene');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Not a moderator');
    await context.close();
  }, 90_000);
});

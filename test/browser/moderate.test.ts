import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshotPath } from '../helpers/browser.js';
import { startTestService, waitFor, type TestService } from '../helpers/test-service.js';
import { auditEvents } from '../helpers/records.js';
import { clearAutoBlockedQueue } from '../helpers/moderation.js';

let service: TestService;
let browser: Browser;
beforeAll(async () => {
  [service, browser] = await Promise.all([startTestService(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await service?.close();
});

/**
 * Uploads a picture and has three readers report it until it is auto-blocked. `photo` is a fixture for the
 * screenshot; later tests pass null for a generated picture, since a photo restored earlier in the file
 * would need twice the reports (the restore stands for every copy of the picture).
 */
async function autoBlocked(photo: string | null, reason: string): Promise<string> {
  const id = photo ? await service.uploadProcessed(photo) : await service.uploadDistinct();
  for (const reader of ['ana', 'ben', 'chloe']) {
    await service.request(`/v1/images/${id}/reports`, {
      method: 'POST',
      as: `${reader}-${id}`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason, note: `${reason}, please check` }),
    });
  }
  await waitFor(async () => (await service.status(id)) === 'auto_blocked');
  return id;
}

/** A fresh browser context signed in as a moderator, showing the auto-blocked queue. */
async function signedInPage(): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${service.baseUrl}/moderate`);
  await page.locator('#token').fill(await service.token('mod-alice', 'moderator'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  return page;
}

async function selectedId(page: Page): Promise<string> {
  return (await page.locator('#queue li[aria-selected="true"]').getAttribute('data-id'))!;
}

describe('the moderator page', () => {
  it('when a moderator signs in and uses the keyboard, then u upholds, r restores, and a stale decision is explained in words', async () => {
    await clearAutoBlockedQueue(service);
    const ids = [
      await autoBlocked('real/flowers.jpeg', 'violence'),
      await autoBlocked('real/Landscape_6.jpg', 'spam'),
      await autoBlocked('real/concert.jpg', 'hate'),
    ];
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${service.baseUrl}/moderate`);

    await page.locator('#token').fill(await service.token('mod-alice', 'moderator'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#queue li').count()).toBe(3);
    await expect.poll(() => page.locator('#reports tbody tr').count()).toBe(3);
    expect(await page.locator('#sign-in').isVisible()).toBe(false);
    // Thumbnails and the preview are the blurred review images, never the original.
    const sources = await Promise.all((await page.locator('#queue img').all()).map((img) => img.getAttribute('src')));
    expect(sources.every((src) => /\/v1\/moderation\/images\/[^/]+\/preview$/.test(src ?? ''))).toBe(true);
    expect(await page.locator('#preview').getAttribute('src')).toMatch(/\/preview$/);
    const shot = screenshotPath('moderator-page.png');
    if (shot) await page.screenshot({ path: shot });

    const upheld = await selectedId(page);
    await page.keyboard.press('u');
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/Upheld: image is now blocked/);
    await expect.poll(() => page.locator('#queue li').count()).toBe(2);

    await page.keyboard.press('j');
    await page.keyboard.press('k');
    const restored = await selectedId(page);
    await page.keyboard.press('r');
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/Restored: image is now visible/);

    // The last one is decided by someone else meanwhile: the page says so and drops it from the queue.
    const stale = await selectedId(page);
    await service.request(`/v1/moderation/images/${stale}/decision`, {
      method: 'POST',
      as: 'mod-bob',
      role: 'moderator',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'uphold' }),
    });
    await page.keyboard.press('r');
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/This image changed since you loaded it/);
    await expect.poll(() => page.locator('#empty').isVisible()).toBe(true);

    expect(new Set([upheld, restored, stale])).toEqual(new Set(ids));
    expect(await service.status(upheld)).toBe('blocked');
    expect(await service.status(restored)).toBe('visible');
    const decisions = (await Promise.all(ids.map((id) => auditEvents(service, id))))
      .flat()
      .filter((event) => event.actorId !== null)
      .sort((a, b) => a.id - b.id)
      .map((event) => ({ actor_id: event.actorId, action: event.action, image_id: event.imageId }));
    expect(decisions).toEqual([
      { actor_id: 'mod-alice', action: 'uphold', image_id: upheld },
      { actor_id: 'mod-alice', action: 'restore', image_id: restored },
      { actor_id: 'mod-bob', action: 'uphold', image_id: stale },
    ]);
    await page.close();
  });

  it('when space is pressed, then the original replaces the blurred preview only then', async () => {
    await clearAutoBlockedQueue(service);
    const id = await autoBlocked(null, 'nudity');
    const context = await browser.newContext();
    const page = await context.newPage();
    const originals: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/original')) originals.push(request.url());
    });
    await page.goto(`${service.baseUrl}/moderate`);
    await page.locator('#token').fill(await service.token('mod-alice', 'moderator'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator(`#queue li[data-id="${id}"]`).count()).toBe(1);
    await expect.poll(() => page.locator('#reports tbody tr').count()).toBe(3);
    expect(originals).toEqual([]);
    await page.keyboard.press(' ');
    await expect.poll(() => page.locator('#preview').getAttribute('alt')).toBe('Original of the selected image');
    expect(originals).toHaveLength(1);
    await context.close();
  });

  it('when u is pressed twice quickly, then one image is upheld and the next stays in the list undecided', async () => {
    await clearAutoBlockedQueue(service);
    const ids = [await autoBlocked(null, 'spam'), await autoBlocked(null, 'hate')];
    const page = await signedInPage();
    await expect.poll(() => page.locator('#queue li').count()).toBe(2);
    await expect.poll(() => page.locator('#reports tbody tr').count()).toBe(3);
    await page.keyboard.press('u');
    await page.keyboard.press('u');
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/Upheld/);
    await expect.poll(() => page.locator('#queue li').count()).toBe(1);
    const statuses = await Promise.all(ids.map((id) => service.status(id)));
    expect(statuses.sort()).toEqual(['auto_blocked', 'blocked']);
    expect(await page.locator('#status').textContent()).not.toMatch(/changed since you loaded it/);
    await page.context().close();
  });

  it('when the moderator moves on while an original loads, then the original never shows beside another image', async () => {
    await clearAutoBlockedQueue(service);
    await autoBlocked(null, 'nudity');
    await autoBlocked(null, 'nudity');
    const page = await signedInPage();
    await expect.poll(() => page.locator('#queue li').count()).toBe(2);
    await expect.poll(() => page.locator('#reports tbody tr').count()).toBe(3);
    let originalServed = false;
    await page.route('**/original', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 400)); // a slow network, so the moderator moves first
      await route.continue();
      originalServed = true;
    });
    const firstId = await selectedId(page);
    await page.keyboard.press(' ');
    await page.keyboard.press('j');
    await expect.poll(() => selectedId(page)).not.toBe(firstId);
    await expect.poll(() => originalServed).toBe(true);
    await expect.poll(() => page.locator('#facts dd').first().textContent()).not.toBe(firstId);
    expect(await page.locator('#preview').getAttribute('alt')).toBe('Blurred preview of the selected image');
    expect(await page.locator('#preview').getAttribute('src')).toMatch(/\/preview$/);
    await page.context().close();
  });

  it('when the session is missing, then the page asks to sign in, and /admin/queues needs a moderator', async () => {
    const page = await browser.newPage();
    await page.goto(`${service.baseUrl}/moderate`);
    await expect.poll(() => page.locator('#sign-in').isVisible()).toBe(true);
    await page.locator('#token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/not valid or has expired/);
    expect((await page.goto(`${service.baseUrl}/admin/queues`))!.status()).toBe(401);

    await page.goto(`${service.baseUrl}/moderate`);
    await page.locator('#token').fill(await service.token('mod-alice', 'moderator'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#dashboard-link').isVisible()).toBe(true);
    const dashboard = await page.goto(`${service.baseUrl}/admin/queues`);
    expect(dashboard!.status()).toBe(200);
    await expect.poll(() => page.content(), { timeout: 60_000 }).toMatch(/process-image|evaluate-image/);
    await page.close();
  });
});

/**
 * The moderator page on a busy queue, in Chromium: counts per queue, closed queues shown as decided, notes and
 * bulk decisions, a queue that is a listbox, shortcuts that survive a filter change and can be turned off, and a
 * layout that fits a 360 px phone.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import { startTestService, waitFor, type TestService } from '../helpers/test-service.js';
import { auditEvents } from '../helpers/records.js';
import { clearAutoBlockedQueue } from '../helpers/moderation.js';
import { countQueues } from '../../src/db/review-queue.repository.js';

let service: TestService;
let browser: Browser;
beforeAll(async () => {
  service = await startTestService();
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await service?.close();
});

async function autoBlocked(): Promise<string> {
  const id = await service.uploadDistinct();
  for (const reader of ['ana', 'ben', 'cleo']) expect((await service.report(id, `${reader}-${id}`, { reason: 'spam' })).status).toBe(202);
  await waitFor(async () => (await service.status(id)) === 'auto_blocked');
  return id;
}

async function decide(id: string, action: string): Promise<void> {
  const response = await service.request(`/v1/moderation/images/${id}/decision`, {
    method: 'POST',
    as: 'setup',
    role: 'moderator',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ action }),
  });
  expect(response.status).toBe(200);
}

async function signedIn(
  width = 1280,
  as: { sub: string; role: 'moderator' | 'admin' } = { sub: 'mod-nora', role: 'moderator' },
): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await page.goto(`${service.baseUrl}/moderate`);
  await page.locator('#token').fill(await service.token(as.sub, as.role));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.locator('#review').isVisible()).toBe(true);
  return page;
}

async function auditReasons(id: string): Promise<string[]> {
  return (await auditEvents(service, id)).filter((event) => event.actorId === 'mod-nora').map((event) => event.reason);
}

describe('the moderator page on a busy queue', () => {
  it('when three images wait, then the queue is a listbox with counts, and checked images are decided together with a note', async () => {
    // The page lists and counts whole queues: start from an empty auto-blocked queue and count blocked from here.
    await clearAutoBlockedQueue(service);
    const blockedBefore = (await countQueues(service.deps.pool)).blocked;
    const ids = [await autoBlocked(), await autoBlocked(), await autoBlocked()];
    const page = await signedIn();
    const queue = page.getByRole('listbox', { name: 'Images in this queue' });
    await expect.poll(() => queue.getByRole('option').count()).toBe(3);
    await expect.poll(() => page.locator('select[name="state"] option[value="auto_blocked"]').textContent()).toBe('Auto-blocked (3)');
    expect(await queue.getAttribute('aria-activedescendant')).toBe(
      `item-${await queue.getByRole('option', { selected: true }).getAttribute('data-id')}`,
    );

    await page.keyboard.press('c');
    await page.keyboard.press('j');
    await page.keyboard.press('c');
    await expect.poll(() => page.locator('#bulk-count').textContent()).toBe('2 checked');
    const checked = await Promise.all(
      (await page.locator('#queue li[aria-checked="true"]').all()).map((item) => item.getAttribute('data-id')),
    );
    await page.locator('#note').fill('Spam campaign, checked by hand');
    await page.getByRole('button', { name: 'Uphold checked' }).click();
    await expect.poll(() => page.locator('#status').textContent()).toBe('Upheld 2 images.');
    await expect.poll(() => queue.getByRole('option').count()).toBe(1);
    for (const id of checked) {
      expect(await service.status(id!)).toBe('blocked');
      expect(await auditReasons(id!)).toEqual(['Spam campaign, checked by hand']);
    }
    await expect
      .poll(() => page.locator('select[name="state"] option[value="blocked"]').textContent())
      .toBe(`Blocked (${blockedBefore + 2})`);

    // A single decision takes a note too.
    const last = ids.find((id) => !checked.includes(id))!;
    await page.locator('#note').fill('Not spam: a press photo');
    await page.getByRole('button', { name: /Restore/ }).click();
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Restored/);
    expect(await auditReasons(last)).toEqual(['Not spam: a press photo']);
    await page.close();
  }, 90_000);

  it('when a closed queue is picked, then items show as decided, removed ones without broken images or buttons, the status line is cleared and shortcuts still work', async () => {
    const [removed, blockedA, blockedB] = [await autoBlocked(), await autoBlocked(), await autoBlocked()];
    await decide(removed, 'remove');
    await decide(blockedA, 'uphold');
    await decide(blockedB, 'uphold');
    const page = await signedIn();
    await page.evaluate("document.querySelector('#status').textContent = 'a message about the previous queue'");
    await page.locator('select[name="state"]').selectOption('blocked');
    await expect.poll(() => page.locator('#status').textContent()).toBe('');
    await expect.poll(() => page.locator('#queue li').count()).toBeGreaterThanOrEqual(2);
    const summaries = await page.locator('#queue .score').allTextContents();
    expect(summaries.every((text) => /^\d+ reports? · decided/.test(text))).toBe(true);
    // Shortcuts keep working after the filter change: j moves the selection.
    const first = await page.locator('#queue li[aria-selected="true"]').getAttribute('data-id');
    await page.keyboard.press('j');
    await expect.poll(() => page.locator('#queue li[aria-selected="true"]').getAttribute('data-id')).not.toBe(first);
    // The selected image's detail loads after the selection moves: its buttons follow, without Uphold for a block.
    await expect.poll(() => page.getByRole('button', { name: /Uphold block/ }).isVisible()).toBe(false);

    await page.locator('select[name="state"]').selectOption('removed');
    await expect.poll(() => page.locator(`#queue li[data-id="${removed}"]`).count()).toBe(1);
    expect(await page.locator('#queue li img').count()).toBe(0);
    expect(await page.locator(`#queue li[data-id="${removed}"] .gone`).textContent()).toBe('files deleted');
    await expect.poll(() => page.locator('[data-action]:visible').count()).toBe(0);
    await page.close();
  }, 90_000);

  it('when single-key shortcuts are turned off, then u does nothing, and the choice is remembered', async () => {
    const id = await autoBlocked();
    const page = await signedIn();
    await page.getByLabel('Single-key shortcuts').uncheck();
    await page.locator('#queue').focus();
    await page.keyboard.press('u');
    await page.reload();
    await expect.poll(() => page.locator('#review').isVisible()).toBe(true);
    expect(await page.getByLabel('Single-key shortcuts').isChecked()).toBe(false);
    expect(await service.status(id)).toBe('auto_blocked');
    await page.close();
  }, 90_000);

  it('when the page is 360 px wide, then nothing is cut off or scrolls sideways', async () => {
    await autoBlocked();
    const page = await signedIn(360);
    await expect.poll(() => page.locator('#queue li').count()).toBeGreaterThan(0);
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth'));
    expect(overflow).toBeLessThanOrEqual(360);
    expect(await page.getByRole('button', { name: /Uphold block/ }).isVisible()).toBe(true);
    await page.close();
  }, 90_000);

  it('when the page is opened in French, then every label and message is French, with French typography', async () => {
    await autoBlocked();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'fr-FR' });
    await page.goto(`${service.baseUrl}/moderate`);
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    await page.locator('#token').fill('not a token');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await expect.poll(() => page.locator('#status').textContent()).toBe('Ce jeton n’est pas valide ou a expiré.');
    await page.locator('#token').fill(await service.token('mod-nora', 'moderator'));
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await expect.poll(() => page.locator('#review').isVisible()).toBe(true);
    expect(await page.getByRole('listbox', { name: 'Images de cette file' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: /Confirmer le blocage/ }).isVisible()).toBe(true);
    expect(await page.getByLabel('Raccourcis à une touche').isChecked()).toBe(true);
    await expect.poll(() => page.locator('#queue .score').first().textContent()).toMatch(/^score \d+ · \d+ ouvert/);
    const text = await page.locator('body').innerText();
    for (const english of ['Uphold block', 'Sign out', 'Reports', 'History', 'Highest score']) expect(text).not.toContain(english);
    await page.keyboard.press('x');
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Appuyez de nouveau sur x/);
    await page.close();
  }, 90_000);

  it("when an admin opens Sessions, then they see a moderator's session and revoke it at once; moderators have no such button", async () => {
    const moderator = await fetch(`${service.baseUrl}/v1/moderation/session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await service.token('mod-otto', 'moderator')}` },
    });
    const cookie = moderator.headers.getSetCookie()[0]!.split(';')[0]!;
    const plain = await signedIn();
    expect(await plain.getByRole('button', { name: 'Sessions' }).isVisible()).toBe(false);
    await plain.close();

    const page = await signedIn(1280, { sub: 'ada-admin', role: 'admin' });
    await page.getByRole('button', { name: 'Sessions' }).click();
    const row = page.locator('#sessions tbody tr', { hasText: 'mod-otto' });
    await expect.poll(() => row.count()).toBe(1);
    await row.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => page.locator('#status').textContent()).toBe('Session of mod-otto revoked.');
    await expect.poll(() => row.count()).toBe(0);
    expect((await fetch(`${service.baseUrl}/v1/moderation/queue`, { headers: { cookie } })).status).toBe(401);
    await page.close();
  }, 90_000);
});

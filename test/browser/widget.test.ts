import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshotPath } from '../helpers/browser.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { reportsOf } from '../helpers/records.js';

const THANKS_FR = 'Merci d’avoir signalé\u00a0! Cette image sera automatiquement bloquée après avoir été signalée par plusieurs personnes.';
const HIDDEN_NOW_FR = 'Merci d’avoir signalé\u00a0! Cette image est désormais masquée.';

let service: TestService;
let browser: Browser;
beforeAll(async () => {
  // Two reports a minute per reader, so that a reader's third is refused however slow the machine is
  // (an "already reported" click is given back its point).
  [service, browser] = await Promise.all([startTestService({ env: { RATE_LIMIT_READER: '2/60s,20/1d' } }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await service?.close();
});

/** Opens /demo in a fresh browser context and picks the demo reader by the name the page shows. */
async function demoAs(readerName: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${service.baseUrl}/demo`);
  await page.getByRole('link', { name: readerName, exact: true }).click();
  await expect.poll(() => page.locator('nav a[aria-current="true"]').textContent()).toBe(readerName);
  return page;
}

/** Reports the image of the n-th article through the widget's dialog. */
async function reportThroughWidget(page: Page, article: number, reason: string): Promise<void> {
  const figure = page.locator('article').nth(article);
  await figure.getByRole('button', { name: 'Signaler l’image' }).click();
  const dialog = page.getByRole('dialog', { name: 'Signaler cette image' });
  await expect.poll(() => dialog.isVisible()).toBe(true);
  await dialog.getByRole('radio', { name: reason }).check();
  await dialog.getByRole('button', { name: 'Envoyer le signalement' }).click();
}

function status(page: Page, article: number) {
  return page.locator('article').nth(article).locator('.imgmod-status');
}

describe('the reader widget on /demo', () => {
  it('when three demo readers report a photo in French, then each is thanked and the photo is replaced by the placeholder, also for later visitors', async () => {
    const pages: Page[] = [];
    for (const reader of ['Ana', 'Ben', 'Chloé']) {
      const page = await demoAs(reader);
      pages.push(page);
      expect(await page.locator('article img[data-imgmod-id]').count()).toBe(3);
      if (reader === 'Ana') {
        await page.locator('article').first().getByRole('button', { name: 'Signaler l’image' }).click();
        await page.getByRole('dialog').getByRole('radio', { name: 'Violence' }).check();
        const shot = screenshotPath('widget-dialog.png');
        if (shot) await page.screenshot({ path: shot });
        await page.getByRole('dialog').getByRole('button', { name: 'Annuler' }).click();
      }
      await reportThroughWidget(page, 0, 'Violence');
      await expect.poll(() => status(page, 0).textContent()).toBe(THANKS_FR);
    }

    const third = pages[2]!;
    await expect.poll(() => third.locator('article').first().locator('.imgmod-placeholder').isVisible(), { timeout: 60_000 }).toBe(true);
    expect(await third.locator('article').first().locator('img').count()).toBe(0);
    expect(await third.locator('article').first().getByRole('img').getAttribute('aria-label')).toBe(
      'Image masquée après des signalements de lecteurs',
    );
    // The reader whose report hid it is told so, not still promised a block to come.
    await expect.poll(() => status(third, 0).textContent()).toBe(HIDDEN_NOW_FR);
    const shot = screenshotPath('widget-blocked.png');
    if (shot) await third.screenshot({ path: shot });

    const blockedId = await third.locator('article').first().locator('.imgmod-placeholder').getAttribute('data-imgmod-id');
    expect(await service.status(blockedId!)).toBe('auto_blocked');
    expect((await reportsOf(service, blockedId!)).map((report) => report.reporterId)).toEqual(['demo:ana', 'demo:ben', 'demo:chloe']);

    const later = await demoAs('Dan (nouveau compte)');
    await expect.poll(() => later.locator('article').first().locator('.imgmod-placeholder').isVisible()).toBe(true);
    expect(await later.locator('article img[data-imgmod-id]').count()).toBe(2);
    for (const page of [...pages, later]) await page.context().close();
  }, 90_000);

  it('when a visitor reports anonymously, then imgmod\'s HttpOnly reader cookie identifies them, a second click is "already reported" and costs nothing, and a third report is rate-limited', async () => {
    const page = await demoAs('Anonyme');
    expect(await page.locator('script[src="/widget.js"]').getAttribute('data-token')).toBeNull();
    // Keyboard only: Tab to the button, Enter opens the dialog with focus on the first reason.
    const button = page.locator('article').nth(1).getByRole('button', { name: 'Signaler l’image' });
    await button.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator(':focus').getAttribute('value')).toBe('spam');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator(':focus').textContent()).toBe('Signaler l’image');

    await reportThroughWidget(page, 1, 'Spam ou publicité');
    await expect.poll(() => status(page, 1).textContent()).toBe(THANKS_FR);

    const cookie = (await page.context().cookies()).find((candidate) => candidate.name === 'imgmod_reader');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    const readerId = `anon:${cookie!.value.split('.')[0]}`;
    expect(await page.evaluate<string>('document.cookie')).not.toContain('imgmod_reader');
    const imageId = await page.locator('article').nth(1).locator('img').getAttribute('data-imgmod-id');
    const stored = await reportsOf(service, imageId!);
    expect(stored.map(({ reporterId, reporterKind, weight }) => ({ reporterId, reporterKind, weight }))).toEqual([
      { reporterId: readerId, reporterKind: 'anonymous', weight: 0.5 },
    ]);
    const receipts = await page.evaluate(async () => (await fetch('/v1/me/reports')).json());
    expect(receipts).toMatchObject({ readerId, kind: 'anonymous', reports: [{ imageId, outcome: 'open', reason: 'spam' }] });

    await reportThroughWidget(page, 1, 'Haine');
    await expect.poll(() => status(page, 1).textContent()).toBe('Vous avez déjà signalé cette image. Merci.');

    // The "already reported" click gave its point back: a report on another photo still goes through…
    await reportThroughWidget(page, 2, 'Autre chose');
    await expect.poll(() => status(page, 2).textContent()).toBe(THANKS_FR);
    // …and the next one within the window is refused: the dialog stays open and says when to try again.
    await reportThroughWidget(page, 1, 'Autre chose');
    const dialogStatus = page.getByRole('dialog').locator('.imgmod-dialog-status');
    await expect
      .poll(() => dialogStatus.textContent())
      .toMatch(/^Vous avez envoyé beaucoup de signalements en peu de temps\. Réessayez dans \d+\u00a0s\.$/);
    expect(await page.getByRole('dialog').isVisible()).toBe(true);
    await page.context().close();
  });
});

import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { imageIn, reportsOf } from '../helpers/records.js';
import { asAdmin } from '../helpers/sites.js';

// A host site embedding imgmod. Served as http://localhost:<port> it is another site than imgmod
// (http://127.0.0.1:<port>), where browsers refuse imgmod's reader cookie over plain HTTP; served as
// http://127.0.0.1:<port> it is the same site, where the cookie works.
let service: TestService;
let browser: Browser;
let host: Server;
let hostPort = 0;
/** The <img> tags of the host page: data-imgmod-id values, written as given. */
let pageIds: string[] = [];
beforeAll(async () => {
  host = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    const images = pageIds.map(
      (id) => `<img src="${service.baseUrl}/i/${id.toLowerCase()}" data-imgmod-id="${id}" alt="a photo" width="80">`,
    );
    res.end(
      `<!doctype html><html lang="en"><body>${images.join('\n')}<script src="${service.baseUrl}/widget.js" defer></script></body></html>`,
    );
  }).listen(0, '127.0.0.1');
  await once(host, 'listening');
  hostPort = (host.address() as AddressInfo).port;
  const origins = `http://localhost:${hostPort},http://127.0.0.1:${hostPort}`;
  [service, browser] = await Promise.all([startTestService({ env: { ALLOWED_ORIGINS: origins } }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await service?.close();
  host?.close();
});

async function blockedImage(): Promise<string> {
  return imageIn(service, 'blocked');
}

async function reportFirstImage(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Report image' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Report this image' });
  await dialog.getByRole('radio', { name: 'Spam or advertising' }).check();
  await dialog.getByRole('button', { name: 'Send report' }).click();
}

describe('the widget on a host page', () => {
  it('when the browser refuses the anonymous reader cookie (another site, plain HTTP), then the widget says so instead of "session expired"', async () => {
    const id = await service.uploadDistinct();
    pageIds = [id];
    const page = await browser.newPage();
    await page.goto(`http://localhost:${hostPort}/`);
    await reportFirstImage(page);
    await expect.poll(() => page.locator('.imgmod-status').textContent()).toMatch(/refused the reporting cookie/);
    expect(await reportsOf(service, id)).toHaveLength(0);
    await page.close();
  });

  it('when ids are written in upper case, a foreign id sits on the page and there are over 100 images, then blocked images are still hidden', async () => {
    const blocked = await blockedImage();
    const strangers = Array.from({ length: 110 }, () => randomUUID());
    pageIds = [blocked.toUpperCase(), 'photo-42', ...strangers];
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${hostPort}/`);
    await expect.poll(() => page.locator(`.imgmod-placeholder[data-imgmod-id="${blocked}"]`).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Report image' }).count()).toBe(strangers.length);
    await page.close();
  });

  it('when a site registered its images by URL and marks them with external ids, then they get buttons, the blocked one is hidden and a report reaches the right image', async () => {
    // The site's own page, on an origin of its own: its images are its own, known to it by its external ids.
    const sitePage = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html lang="en"><body>
        <img src="data:," data-imgmod-external-id="harbour" alt="the harbour" width="80">
        <img src="data:," data-imgmod-external-id="  storm  " alt="the storm" width="80">
        <img src="data:," data-imgmod-external-id="not-registered-yet" alt="a draft" width="80">
        <script src="${service.baseUrl}/widget.js" data-site="paper" defer></script></body></html>`);
    }).listen(0, '127.0.0.1');
    await once(sitePage, 'listening');
    const siteOrigin = `http://127.0.0.1:${(sitePage.address() as AddressInfo).port}`;
    try {
      const created = await asAdmin(service, '/v1/admin/sites', {
        method: 'POST',
        body: { id: 'paper', name: 'The Paper', allowedOrigins: [siteOrigin], anonymousReports: 'on' },
      });
      expect(created.status).toBe(201);
      const harbour = await service.uploadDistinct('site:paper');
      const storm = await service.uploadDistinct('site:paper');
      await service.deps.pool.query("UPDATE images SET external_id = 'harbour' WHERE id = $1", [harbour]);
      await service.deps.pool.query("UPDATE images SET external_id = 'storm', status = 'auto_blocked' WHERE id = $1", [storm]);

      const page = await browser.newPage();
      await page.goto(siteOrigin);
      await expect.poll(() => page.locator(`.imgmod-placeholder[data-imgmod-id="${storm}"]`).count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Report image' }).count()).toBe(1); // the draft is not imgmod's yet
      // The storm's placeholder is as small as its broken image: its words must not cover the harbour's button.
      await reportFirstImage(page);
      await expect.poll(() => page.locator('.imgmod-status').first().textContent()).toMatch(/Thanks for reporting/);
      expect(await reportsOf(service, harbour)).toHaveLength(1);
      await page.close();
    } finally {
      sitePage.close();
    }
  });

  it('when the reader-cookie request fails once, then the next report asks again and goes through', async () => {
    const id = await service.uploadDistinct();
    pageIds = [id];
    const page = await browser.newPage();
    let failures = 0;
    await page.route('**/v1/readers/anonymous', async (route) => {
      if (failures++ === 0) return route.abort('connectionrefused');
      return route.continue();
    });
    await page.goto(`http://127.0.0.1:${hostPort}/`);
    await reportFirstImage(page);
    const dialog = page.getByRole('dialog', { name: 'Report this image' });
    await expect.poll(() => dialog.textContent()).toMatch(/could not be sent/); // the dialog stays open to try again
    await dialog.getByRole('button', { name: 'Send report' }).click();
    await expect.poll(() => page.locator('.imgmod-status').textContent()).toMatch(/Thanks for reporting/);
    expect(await reportsOf(service, id)).toHaveLength(1);
    await page.close();
  });
});

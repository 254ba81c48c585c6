import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

// A host site on http://localhost:<port> embedding imgmod served from http://127.0.0.1:<port>: another site,
// over plain HTTP, where browsers refuse imgmod's reader cookie.
let service: TestService;
let browser: Browser;
let host: Server;
let hostOrigin: string;
let imageId = '';
beforeAll(async () => {
  host = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><html lang="en"><body>
      <img src="${service.baseUrl}/i/${imageId}" data-imgmod-id="${imageId}" alt="a photo">
      <script src="${service.baseUrl}/widget.js" defer></script></body></html>`);
  }).listen(0, '127.0.0.1');
  await once(host, 'listening');
  hostOrigin = `http://localhost:${(host.address() as AddressInfo).port}`;
  [service, browser] = await Promise.all([startTestService({ env: { ALLOWED_ORIGINS: hostOrigin } }), launchBrowser()]);
  imageId = await service.uploadDistinct();
});
afterAll(async () => {
  await browser?.close();
  await service?.close();
  host?.close();
});

describe('the widget on another site over plain HTTP', () => {
  it('when the browser refuses the anonymous reader cookie, then the widget says so instead of "session expired"', async () => {
    const page = await browser.newPage();
    await page.goto(`${hostOrigin}/`);
    await page.getByRole('button', { name: 'Report image' }).click();
    const dialog = page.getByRole('dialog', { name: 'Report this image' });
    await dialog.getByRole('radio', { name: 'Spam or advertising' }).check();
    await dialog.getByRole('button', { name: 'Send report' }).click();
    await expect.poll(() => page.locator('.imgmod-status').textContent()).toMatch(/refused the reporting cookie/);
    const stored = await service.deps.pool.query('SELECT 1 FROM reports WHERE image_id = $1', [imageId]);
    expect(stored.rowCount).toBe(0);
    await page.close();
  });
});

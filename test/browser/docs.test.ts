/** The API documentation page in Chromium: it renders every operation under imgmod's own CSP, with nothing fetched elsewhere. */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/http/openapi.js';
import { launchBrowser } from '../helpers/browser.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

let service: TestService;
let browser: Browser;
beforeAll(async () => {
  [service, browser] = await Promise.all([startTestService({ workers: false }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await service?.close();
});

describe('/docs', () => {
  it('when an operator opens /docs, then every documented operation is listed and no request leaves imgmod', async () => {
    const page = await browser.newPage();
    const foreign: string[] = [];
    const cspErrors: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(service.baseUrl) && !request.url().startsWith('data:')) foreign.push(request.url());
    });
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) cspErrors.push(message.text());
    });
    await page.goto(`${service.baseUrl}/docs`);
    const expected = Object.values(openApiDocument().paths ?? {}).reduce((n, item) => n + Object.keys(item as object).length, 0);
    await page
      .locator('.opblock')
      .nth(expected - 1)
      .waitFor({ timeout: 90_000 });
    expect(await page.locator('.opblock').count()).toBe(expected);
    expect(await page.locator('.opblock-summary-path', { hasText: '/v1/images/{id}/reports' }).count()).toBe(1);
    expect(foreign).toEqual([]);
    expect(cspErrors).toEqual([]);
  });
});

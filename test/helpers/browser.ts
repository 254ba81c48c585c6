/** Debian's Chromium driven by playwright-core (no browser download): headless, sandbox off for root in CI. */
import { chromium, type Browser } from 'playwright-core';

/** Launches /usr/bin/chromium (override with CHROMIUM_PATH). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** Where screenshots for README go when UPDATE_SCREENSHOTS=1 (otherwise tests do not write into the project). */
export function screenshotPath(name: string): string | undefined {
  return process.env.UPDATE_SCREENSHOTS === '1' ? new URL(`../../docs/${name}`, import.meta.url).pathname : undefined;
}

/** Debian's Chromium driven by playwright-core (no browser download): headless, sandbox off for root in CI. */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Launches /usr/bin/chromium (override with CHROMIUM_PATH).
 * @throws Error in one line saying how to install Chromium when it is missing
 */
export function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: the browser tests need it (apt-get install chromium, or set CHROMIUM_PATH)`);
  }
  return chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** Where screenshots for README go when UPDATE_SCREENSHOTS=1 (otherwise tests do not write into the project). */
export function screenshotPath(name: string): string | undefined {
  return process.env.UPDATE_SCREENSHOTS === '1' ? new URL(`../../docs/${name}`, import.meta.url).pathname : undefined;
}

/**
 * Helpers of the chat demo's browser suites: Debian's Chromium driven by playwright-core (never a
 * downloaded browser), signing a user in on a fresh page, screenshots under `test-output/screenshots/`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureClientBundles } from '../../scripts/build-client.mjs';
import { submitSignIn } from '../../examples/chat/screenshots/sign-in.js';

// the served browser bundle (dist/client-bundle/), built from the current sources if stale
await ensureClientBundles();

/** Debian's Chromium. */
export const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = new URL('../../test-output/screenshots/', import.meta.url);

/**
 * Launches headless Chromium with a fresh temporary profile.
 * @throws Error when `/usr/bin/chromium` is missing, saying how to install it
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium, or run .ci/run)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A signed-in page with its own cookie jar. */
export interface UserPage {
  context: BrowserContext;
  page: Page;
  /** uncaught errors of the page's scripts */
  errors: Error[];
}

/**
 * Opens a new browser context (separate cookies) on the chat page.
 * @param browser the browser
 * @param url the page URL
 */
export async function openPage(browser: Browser, url: string): Promise<UserPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 760 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors: Error[] = [];
  page.on('pageerror', (err) => errors.push(err));
  page.setDefaultTimeout(8000);
  await page.goto(url);
  return { context, page, errors };
}

/**
 * Signs in through the form and waits for the connection.
 * @param browser the browser
 * @param base the chat's URL
 * @param name username (the password is `<name>-password`)
 * @param query extra query string for the page (e.g. `?transport=polling`)
 */
export async function signIn(browser: Browser, base: string, name: string, query = ''): Promise<UserPage> {
  const user = await openPage(browser, base + '/' + query);
  const { page } = user;
  await submitSignIn(page, name);
  return user;
}

/**
 * Saves a screenshot as `test-output/screenshots/<name>.png`.
 * @param page the page
 * @param name file name without extension
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname, fullPage: true });
}

/**
 * Polls `fn` until it returns a truthy value.
 * @returns that value
 */
export async function eventually<T>(fn: () => T | Promise<T>, what: string, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Drives the UI shipped by `@socket.io/admin-ui` (served locally) in headless Chromium: every request that does
// not go to 127.0.0.1 (the page links web fonts and icons on public CDNs) is aborted.
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../browser/client-harness.js';
import { USERNAME, PASSWORD } from './fixture.js';

/** Opens the UI page with outside requests blocked. */
export async function openUi(browser: Browser, uiUrl: string): Promise<Page> {
  const page = await browser.newPage();
  await page.route('**/*', (route) =>
    new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort(),
  );
  await page.goto(`${uiUrl}/`);
  return page;
}

/**
 * Fills the connection form (server URL, credentials, and in the advanced options the path and the
 * "WebSocket only" switch) and submits it.
 */
export async function connectUi(page: Page, serverUrl: string, path: string, password = PASSWORD, wsOnly = false): Promise<void> {
  const dialog = page.locator('.v-dialog--active');
  await dialog.getByLabel('Server URL').fill(serverUrl);
  await dialog.getByLabel('Username').fill(USERNAME);
  await dialog.getByLabel('Password').fill(password);
  await dialog.getByText('Advanced options').click();
  await dialog.getByLabel('Path').fill(path);
  if (wsOnly) await dialog.getByText('WebSocket only').click();
  await dialog.getByRole('button', { name: 'Connect' }).click();
}

/** Clicks an entry of the navigation drawer. */
export async function navigate(page: Page, entry: 'Dashboard' | 'Sockets' | 'Rooms' | 'Clients' | 'Events' | 'Servers'): Promise<void> {
  await page.locator('.v-navigation-drawer .v-list-item', { hasText: entry }).first().click();
  await settle(page);
}

/** Waits for the route transition to end (the view that leaves stays in the DOM while it slides out). */
export async function settle(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelector('[class*="-leave-active"], [class*="-enter-active"]') === null, undefined, { timeout: 15000 });
}

export { launchChromium };

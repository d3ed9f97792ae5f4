/**
 * Signs a demo user in through the chat's form, as a person would: the screenshot scripts and the Chromium tests
 * share it. The demo accepts any name with the password `<name>-password`.
 */
import type { Page } from 'playwright-core';

/**
 * Fills and submits the sign-in form of a chat page already loaded, then waits until the user is connected and in
 * `# general`.
 * @param page a page showing the sign-in form
 * @param name the user name
 * @example
 * ```ts
 * await page.goto(url + '/');
 * await submitSignIn(page, 'alice');
 * ```
 */
export async function submitSignIn(page: Page, name: string): Promise<void> {
  await page.waitForSelector('#signin:not([hidden])');
  await page.fill('#username', name);
  await page.fill('#password', `${name}-password`);
  await page.click('#auth-submit');
  await page.waitForSelector('#conn[data-state="connected"]');
  await page.waitForSelector('#room-title:text("# general")');
}

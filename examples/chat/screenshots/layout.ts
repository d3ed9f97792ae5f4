/**
 * Makes the README's screenshots of the demo on a phone and on a desktop, with a short conversation:
 *
 * - `chat-phone.png` (390×844) and `chat-phone-members.png` (the members drawer open);
 * - `chat-desktop.png` (1280×800);
 * - `dashboard-phone.png` (390×844, the whole page) and `dashboard-desktop.png` (1280×800).
 *
 * ```sh
 * npx tsx examples/chat/screenshots/layout.ts      # needs /usr/bin/chromium
 * ```
 */
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureClientBundles } from '../../../scripts/build-client.mjs';
import { startChat } from '../app.js';
import { submitSignIn } from './sign-in.js';

const OUT = fileURLToPath(new URL('./', import.meta.url));
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

/** A signed-in page of `name` (password `<name>-password`) at the given size. */
async function signIn(browser: Browser, url: string, name: string, viewport: { width: number; height: number }): Promise<Page> {
  // phones drawn at twice their CSS pixels, as they are
  const context = await browser.newContext({ viewport, deviceScaleFactor: viewport.width < 720 ? 2 : 1 });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(url + '/');
  await submitSignIn(page, name);
  return page;
}

/** Sends a message and waits for its tick. */
async function say(page: Page, text: string): Promise<void> {
  const sent = await page.locator('#messages li.message').count();
  await page.fill('#input', text);
  await page.press('#input', 'Enter');
  await page.waitForSelector(`#messages li.message >> nth=${sent}`);
  await page.waitForFunction(() => !document.querySelector('#messages li.message[data-state="pending"]'));
}

/** Waits for the drawers' slide to end. */
const settled = (page: Page) => page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));

await ensureClientBundles();
const chat = await startChat({ port: 0, host: '127.0.0.1' });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const desktop = await signIn(browser, chat.url, 'alice', DESKTOP);
  const phone = await signIn(browser, chat.url, 'bob', PHONE);
  await say(desktop, 'Morning! The demo now fits on a phone.');
  await say(phone, 'Rooms and members are behind the two buttons of the header.');
  await say(desktop, 'And the composer takes the whole width.');
  await say(phone, 'Nothing scrolls sideways, even at 360 px.');
  await phone.waitForSelector('#messages li.message >> nth=3');
  await desktop.waitForSelector('#messages li.message >> nth=3');

  await phone.screenshot({ path: OUT + 'chat-phone.png' });
  await phone.click('#toggle-members');
  await phone.waitForSelector('#members-panel .member[data-user="alice"]');
  await settled(phone);
  await phone.screenshot({ path: OUT + 'chat-phone-members.png' });
  await phone.click('#scrim', { position: { x: 20, y: 400 } });
  await desktop.screenshot({ path: OUT + 'chat-desktop.png' });

  // the dashboard, once a refusal is counted and the rates show the conversation
  const board = await desktop.context().newPage();
  await board.goto(chat.url + '/dashboard');
  await board.waitForSelector('#board:not([hidden])');
  await desktop.evaluate(() => {
    const s = (window as unknown as { io(o: object): { on(e: string, f: () => void): void; close(): void } }).io({ forceNew: true, reconnection: false, auth: {} });
    s.on('connect_error', () => s.close());
  });
  await board.waitForSelector('#refusals g[data-label="NO_TOKEN"]');
  await say(desktop, 'Dashboard check');
  await board.waitForFunction(() => document.getElementById('k-in')!.textContent !== '0');
  await board.screenshot({ path: OUT + 'dashboard-desktop.png' });
  await board.setViewportSize(PHONE);
  // the charts are drawn at the width they get: wait for the next snapshot after the resize
  await board.waitForFunction(() => document.querySelector('#rates')!.getAttribute('viewBox')!.split(' ')[2] === String(Math.floor(document.querySelector('#rates')!.getBoundingClientRect().width)));
  await board.screenshot({ path: OUT + 'dashboard-phone.png', fullPage: true });
  console.log(`wrote ${['chat-phone', 'chat-phone-members', 'chat-desktop', 'dashboard-desktop', 'dashboard-phone'].map((n) => `${OUT}${n}.png`).join(', ')}`);
} finally {
  await browser.close();
  await chat.close();
}

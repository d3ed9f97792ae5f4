// Authentication in Chromium: a wrong password, sign-up, a non-admin on /admin, and a token that
// expires while connected (lifetime 2 s) followed by a reconnect with a fresh token.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Browser } from 'playwright-core';
import { startChat, type Chat } from '../../examples/chat/app.js';
import type { SocketData } from '../../examples/chat/middleware.js';
import { eventually, launchChromium, openPage, screenshot, signIn } from './chat-harness.js';

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

/** Records, from the page's start, every text the banner shows (in `window.banners`). */
const RECORD_BANNERS = `window.banners = [];
document.addEventListener('DOMContentLoaded', () => {
  const b = document.getElementById('banner');
  new MutationObserver(() => { if (!b.hidden) window.banners.push(b.textContent.trim()); })
    .observe(b, { attributes: true, childList: true, subtree: true, characterData: true });
});`;

describe('sign-in', () => {
  let chat: Chat;
  const secret = randomBytes(32);
  before(async () => {
    chat = await startChat({ port: 0, host: '127.0.0.1', secret });
  });
  after(async () => {
    await chat?.close();
  });

  test('a wrong password shows the error and connects nothing', async () => {
    const { page, context } = await openPage(browser, chat.url);
    await page.waitForSelector('#signin:not([hidden])');
    await page.fill('#username', 'alice');
    await page.fill('#password', 'not-her-password');
    await page.click('#auth-submit');
    await page.waitForSelector('#auth-error:not([hidden])');
    assert.equal(await page.textContent('#auth-error'), 'Wrong username or password');
    assert.equal(await page.isHidden('#app'), true);
    assert.equal(chat.io.of('/').sockets.size, 0);
    await screenshot(page, 'chat-wrong-password');
    await context.close();
  });

  test('signing up creates an account and enters the chat', async () => {
    const { page, context } = await openPage(browser, chat.url);
    await page.click('#tab-signup');
    await page.fill('#username', 'carol');
    await page.fill('#password', 'short');
    await page.click('#auth-submit');
    await page.waitForSelector('#auth-error:has-text("at least 8 characters")');
    await page.fill('#password', 'carol-password');
    await page.click('#auth-submit');
    await page.waitForSelector('#conn[data-state="connected"]');
    assert.equal(await page.textContent('#me-name'), 'carol');
    assert.deepEqual(await chat.auth.checkPassword('carol', 'carol-password'), { name: 'carol', role: 'user' });
    // the refresh cookie resumes the session on reload; the access token itself is never stored
    await page.reload();
    await page.waitForSelector('#conn[data-state="connected"]');
    assert.equal(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie), '{}{}');
    await context.close();
  });

  test('signing out returns to the sign-in page and ends the session', async () => {
    const bob = await signIn(browser, chat.url, 'bob');
    await bob.page.click('#logout');
    await bob.page.waitForSelector('#signin:not([hidden])');
    await eventually(() => chat.io.of('/').sockets.size === 0, 'the socket to close');
    await bob.page.reload();
    await bob.page.waitForSelector('#signin:not([hidden])');
    assert.equal(await bob.page.isHidden('#app'), true, 'the refresh cookie no longer signs in');
    assert.deepEqual(bob.errors, []);
    await bob.context.close();
  });

  test('a non-admin is refused on /admin with the reason shown', async () => {
    const bob = await signIn(browser, chat.url, 'bob');
    assert.equal(await bob.page.isHidden('#dashboard-link'), true);
    await bob.page.goto(chat.url + '/dashboard');
    await bob.page.waitForSelector('#refused:not([hidden])');
    const text = await bob.page.textContent('#refused-text');
    assert.match(text!, /Admin role required \(NOT_ADMIN\)/);
    assert.equal(await bob.page.isHidden('#board'), true);
    assert.equal(await bob.page.textContent('#refused-link'), 'Back to the chat');
    assert.equal(chat.io.of('/admin').sockets.size, 0);
    assert.equal(chat.metrics.snapshot().refusals['/admin NOT_ADMIN'], 1);
    await screenshot(bob.page, 'chat-dashboard-refused');
    await bob.context.close();
  });
  test('the dashboard sends a visitor to sign in, and back to the dashboard once signed in as an admin', async () => {
    const { page, context, errors } = await openPage(browser, chat.url + '/dashboard');
    await page.waitForSelector('#refused:not([hidden])');
    assert.equal(await page.textContent('#refused-title'), 'Sign in first');
    await page.click('#refused-link');
    await page.waitForSelector('#signin:not([hidden])');
    await page.fill('#username', 'alice');
    await page.fill('#password', 'alice-password');
    await page.click('#auth-submit');
    await page.waitForURL(/\/dashboard$/);
    await page.waitForSelector('#board:not([hidden])');
    await page.waitForSelector('#conn[data-state="connected"]');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a token refused as expired at connect is replaced, and the page connects', async () => {
    const bob = await signIn(browser, chat.url, 'bob');
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ role: 'user' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('socketeer-chat')
      .setSubject('bob')
      .setJti('expired-token')
      .setIssuedAt(now - 120)
      .setExpirationTime(now - 60)
      .sign(secret);
    // the next token the page gets is already expired, though it looks fresh (as after a sleep or a clock jump)
    let served = 0;
    await bob.page.route('**/api/token', async (route) => {
      if (served++ > 0) return route.continue();
      const t = Date.now();
      await route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ token: expired, expiresIn: 300, expiresAt: t + 300_000, issuedAt: t, user: { name: 'bob', role: 'user' } }),
      });
    });
    await bob.page.addInitScript(RECORD_BANNERS);
    const refusedBefore = chat.metrics.snapshot().refusals.TOKEN_EXPIRED ?? 0;
    await bob.page.reload();
    await bob.page.waitForSelector('#conn[data-state="connected"]');
    assert.equal(served, 2, 'the expired token, then a real one');
    assert.equal(chat.metrics.snapshot().refusals.TOKEN_EXPIRED, refusedBefore + 1);
    const banners = await bob.page.evaluate(() => (window as unknown as { banners: string[] }).banners);
    assert.ok(banners.some((b) => b.includes('Token expired (TOKEN_EXPIRED)')), JSON.stringify(banners));
    await bob.page.waitForSelector('#banner', { state: 'hidden' });
    assert.deepEqual(bob.errors, []);
    await bob.context.close();
  });
});

describe('token expiry', () => {
  let chat: Chat;
  before(async () => {
    chat = await startChat({ port: 0, host: '127.0.0.1', tokenTtlSeconds: 2 });
  });
  after(async () => {
    await chat?.close();
  });

  test('a token that expires while connected leads to a reconnect with a new token', async () => {
    const tokens: string[] = [];
    chat.io.of('/').on('connection', (socket) => tokens.push((socket.data as SocketData).user.id));
    const { page, context } = await openPage(browser, chat.url);
    // record every banner the page shows
    await page.evaluate(() => {
      const w = window as unknown as { banners: string[] };
      w.banners = [];
      new MutationObserver(() => {
        const b = document.getElementById('banner')!;
        if (!b.hidden) w.banners.push(b.textContent!.trim());
      }).observe(document.getElementById('banner')!, { attributes: true, childList: true, subtree: true, characterData: true });
    });
    await page.fill('#username', 'bob');
    await page.fill('#password', 'bob-password');
    await page.click('#auth-submit');
    await page.waitForSelector('#conn[data-state="connected"]');
    const first = await eventually(() => tokens[0], 'the first connection');

    // the server disconnects at expiry; the page fetches a new token and connects again with it
    await eventually(() => tokens.length >= 2, 'a second connection', 6000);
    await page.waitForSelector('#conn[data-state="connected"]');
    assert.notEqual(tokens[1], first, 'the reconnect presented a new token');
    assert.equal(new Set(tokens).size, tokens.length, 'every connection used a different token');
    const banners = await page.evaluate(() => (window as unknown as { banners: string[] }).banners);
    assert.ok(banners.some((b) => b.includes('Session token expired')), `banners: ${JSON.stringify(banners)}`);
    assert.ok(Number(await page.getAttribute('#token-info', 'data-count')) >= 2);

    // the chat works on the new connection (rooms were joined again)
    await page.waitForSelector('#members li[data-user="bob"]');
    await page.fill('#input', 'still here after a token renewal');
    await page.press('#input', 'Enter');
    await page.waitForSelector('#messages li.message.mine[data-state="delivered"]');
    assert.ok(chat.io.of('/').sockets.size <= 1, 'the expired connections are gone');
    await screenshot(page, 'chat-token-renewed');
    await context.close();
  });
});

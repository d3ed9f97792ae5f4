// Authentication in Chromium: a wrong password, sign-up, a non-admin on /admin, a token refused at connect
// (the page reconnects with a new one), and 2-second tokens refreshed in place while connected (same
// socket, no reconnect), counted on the dashboard; a refused refresh opens the sign-in form.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Browser } from 'playwright-core';
import { startChat, type Chat } from '../../examples/chat/app.js';
import type { SocketData } from '../../examples/chat/middleware.js';
import type { Socket as ServerSocket } from '../../src/server/index.js';
import { credentialsOf } from '../../src/server/auth/index.js';
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
    await bob.page.route('**/api/{token,session}', async (route) => {
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
    // 6 s tokens asked for 3 s before expiry: short enough to see two refreshes, long enough that a busy machine
    // answers each request well before its token expires
    chat = await startChat({ port: 0, host: '127.0.0.1', tokenTtlSeconds: 6, refreshBeforeMs: 3000 });
  });
  after(async () => {
    await chat?.close();
  });

  test('a short-lived token renewed while connected: refreshed in place, no disconnect, no reconnect banner', async () => {
    const connections: Array<{ id: string; engine: string; socket: ServerSocket }> = [];
    const disconnects: string[] = [];
    chat.io.of('/').on('connection', (socket) => {
      connections.push({ id: socket.id, engine: socket.conn.id, socket });
      socket.on('disconnect', (reason) => disconnects.push(reason));
    });
    const { page, context, errors } = await openPage(browser, chat.url);
    // record every banner the page shows, and every connection state
    await page.evaluate(() => {
      const w = window as unknown as { banners: string[]; states: string[] };
      w.banners = [];
      w.states = [];
      const b = document.getElementById('banner')!;
      new MutationObserver(() => {
        if (!b.hidden) w.banners.push(b.textContent!.trim());
      }).observe(b, { attributes: true, childList: true, subtree: true, characterData: true });
      const c = document.getElementById('conn')!;
      new MutationObserver(() => w.states.push(c.dataset.state!)).observe(c, { attributes: true, attributeFilter: ['data-state'] });
    });
    await page.fill('#username', 'bob');
    await page.fill('#password', 'bob-password');
    await page.click('#auth-submit');
    await page.waitForSelector('#conn[data-state="connected"]');
    const first = await eventually(() => connections[0], 'the first connection');
    const firstToken = (first.socket.data as SocketData).user.id;
    const expiresAt = (first.socket.data as SocketData).user.expiresAt;

    // the server asks for a new token before expiry; the page fetches one and sends it over the same connection
    await page.waitForFunction(() => Number(document.getElementById('token-info')?.dataset.refreshes) >= 2, undefined, { timeout: 30_000 });
    // the connection outlives its first token
    while (Date.now() <= expiresAt) await new Promise((r) => setTimeout(r, 50));
    assert.equal(connections.length, 1, 'no second connection');
    assert.equal(first.socket.connected, true);
    assert.equal(first.socket.id, first.id, 'same socket id');
    assert.equal(first.socket.conn.id, first.engine, 'same engine session id');
    assert.equal(chat.io.engine.clientsCount, 1);
    assert.deepEqual(disconnects, []);
    const creds = credentialsOf(first.socket)!;
    assert.equal(creds.refreshable, true);
    assert.ok(creds.refreshes >= 2);
    assert.notEqual((first.socket.data as SocketData).user.id, firstToken, 'the socket carries the new token');
    const seen = await page.evaluate(() => {
      const w = window as unknown as { banners: string[]; states: string[] };
      return { banners: w.banners, states: w.states };
    });
    assert.deepEqual(seen.banners, [], 'no banner');
    assert.ok(!seen.states.includes('disconnected'), JSON.stringify(seen.states));
    assert.ok(Number(await page.getAttribute('#token-info', 'data-count')) >= 3, 'sign-in token plus one per refresh');

    // the chat works on the same connection (still in its rooms)
    await page.waitForSelector('#members li[data-user="bob"]');
    await page.fill('#input', 'still here after a token renewal');
    await page.press('#input', 'Enter');
    await page.waitForSelector('#messages li.message.mine[data-state="delivered"]');
    assert.equal(connections.length, 1);

    // the dashboard counts the refreshes in place
    const admin = await signIn(browser, chat.url, 'alice');
    await admin.page.goto(chat.url + '/dashboard');
    await admin.page.waitForSelector('#board:not([hidden])');
    const shown = await eventually(async () => {
      const n = Number(await admin.page.textContent('#k-refreshed'));
      return n >= creds.refreshes ? n : 0;
    }, 'the refresh counter on the dashboard');
    assert.ok(shown <= chat.metrics.snapshot().guard.refreshed);
    assert.equal(await admin.page.textContent('#g-expired'), '0');
    await screenshot(page, 'chat-token-refreshed');
    await screenshot(admin.page, 'dashboard-refreshes');
    assert.deepEqual(errors, []);
    assert.deepEqual(admin.errors, []);
    await admin.context.close();
    await context.close();
  });

  test('a refused refresh opens the sign-in form with the server message', async () => {
    const mine: ServerSocket[] = [];
    const record = (socket: ServerSocket) => mine.push(socket);
    chat.io.of('/').on('connection', record);
    const bob = await signIn(browser, chat.url, 'bob');
    chat.io.of('/').off('connection', record);
    assert.equal(mine.length, 1);
    // from now on the token endpoint hands out a token the server refuses
    await bob.page.route('**/api/token', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ token: 'not.a.jwt', expiresIn: 2, expiresAt: Date.now() + 2000, issuedAt: Date.now(), user: { name: 'bob', role: 'user' } }),
      }),
    );
    const refusedBefore = chat.metrics.snapshot().guard.refreshRefused;
    await bob.page.waitForSelector('#signin:not([hidden])', { timeout: 30_000 });
    assert.equal(await bob.page.textContent('#auth-error'), 'Invalid token (BAD_TOKEN). Please sign in again.');
    assert.equal(await bob.page.isHidden('#app'), true);
    assert.equal(chat.metrics.snapshot().guard.refreshRefused, refusedBefore + 1);
    assert.equal(mine[0]!.connected, false, 'the socket is gone');
    assert.deepEqual(bob.errors, []);
    await bob.context.close();
  });
});

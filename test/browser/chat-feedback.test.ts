// The chat page tells people what happens to their messages and their connection, in Chromium: a flood over the
// rate limit loses no typed message (each is delivered or shown as not sent, with the reason in words, and Retry
// delivers it), a server restart says so in one steady banner, greys the members and sends what was typed
// meanwhile, and a socket cut for flooding says why and reconnects by itself.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startChat, type Chat } from '../../examples/chat/app.js';
import type { Socket } from '../../src/server/index.js';
import { eventually, launchChromium, screenshot, signIn, type UserPage } from './chat-harness.js';

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

/** Records every text the banner shows from now on (in `window.banners`). */
async function recordBanners(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { banners: string[] };
    w.banners = [];
    const b = document.getElementById('banner')!;
    new MutationObserver(() => {
      if (!b.hidden && w.banners[w.banners.length - 1] !== b.textContent!.trim()) w.banners.push(b.textContent!.trim());
    }).observe(b, { attributes: true, childList: true, subtree: true, characterData: true });
  });
}
const banners = (page: Page) => page.evaluate(() => (window as unknown as { banners: string[] }).banners);

/** Types and sends `texts` through the composer, all in one go (faster than any server round trip). */
const typeAll = (page: Page, texts: string[]) =>
  page.evaluate((all) => {
    const input = document.getElementById('input') as HTMLTextAreaElement;
    const form = document.getElementById('composer') as HTMLFormElement;
    for (const t of all) {
      input.value = t;
      form.requestSubmit();
    }
  }, texts);

/** The states of the page's own messages whose text starts with `prefix`: `{ text: state }`. */
const myStates = (page: Page, prefix: string) =>
  page.$$eval(
    '#messages li.message.mine',
    (lis, p) =>
      lis
        .map((li) => [li.querySelector('.text')?.textContent ?? '', (li as HTMLElement).dataset.state!] as const)
        .filter(([t]) => t.startsWith(p)),
    prefix,
  );

/** The texts of the messages from `from` the page shows, starting with `prefix`. */
const received = (page: Page, from: string, prefix: string) =>
  page.$$eval(
    `#messages li.message[data-from="${from}"] .text`,
    (els, p) => els.map((e) => e.textContent!).filter((t) => t.startsWith(p)),
    prefix,
  );

const socketOf = (chat: Chat, name: string) =>
  [...chat.io.of('/').sockets.values()].find((s) => (s.data as { user: { name: string } }).user.name === name) as Socket | undefined;

describe('a flood over the rate limit', () => {
  let chat: Chat;
  let alice: UserPage;
  let bob: UserPage;
  before(async () => {
    // 10 events a second, bursts of 10: a hundred messages at once are well over it on any machine
    chat = await startChat({ port: 0, host: '127.0.0.1', eventsPerSecond: 10 });
    alice = await signIn(browser, chat.url, 'alice');
    bob = await signIn(browser, chat.url, 'bob');
    await alice.page.waitForSelector('#members li[data-user="bob"]');
  });
  after(async () => {
    await chat?.close();
  });

  test('loses no typed message: each is delivered or shown as not sent with the reason, and Retry all delivers them', async () => {
    const connection = socketOf(chat, 'alice')!.id;
    const texts = Array.from({ length: 100 }, (_, i) => `flood ${String(i).padStart(3, '0')}`);
    await typeAll(alice.page, texts);
    // every message is on the page at once, then settles: delivered, or marked not sent
    assert.equal((await myStates(alice.page, 'flood ')).length, 100);
    const settled = (await eventually(async () => {
      const states = await myStates(alice.page, 'flood ');
      return states.every(([, s]) => s === 'delivered' || s === 'failed') && states;
    }, 'every message delivered or marked not sent', 60_000)) as (readonly [string, string])[];
    const delivered = settled.filter(([, s]) => s === 'delivered').length;
    const failed = settled.filter(([, s]) => s === 'failed').length;
    assert.equal(delivered + failed, 100, 'no message lost');
    assert.ok(failed > 0 && delivered >= 10, `delivered ${delivered}, not sent ${failed}`);
    // the reason in words, on each message and above the composer, with Retry buttons
    const reason = await alice.page.textContent('#messages li.message.mine[data-state="failed"] .send-error-text');
    assert.match(reason!, /^Not sent: You are sending messages too fast — retry (in \d+ s|now)$/);
    assert.equal(await alice.page.locator('#messages li.message.mine[data-state="failed"] button.retry').count(), failed);
    const notice = await alice.page.textContent('#outbox-notice .outbox-notice-text');
    assert.match(notice!, new RegExp(`^${failed} messages not sent: you are sending messages too fast — retry (in \\d+ s|now)$`));
    await screenshot(alice.page, 'chat-flood-not-sent');
    // refused one by one: the connection was never cut
    assert.equal(socketOf(chat, 'alice')?.id, connection);
    assert.equal(await alice.page.getAttribute('#conn', 'data-state'), 'connected');
    // what bob saw is exactly what was delivered
    await eventually(async () => (await received(bob.page, 'alice', 'flood ')).length === delivered, 'bob receiving the delivered ones', 30_000);

    // Retry all: sent again at the server's pace, every one delivered
    await alice.page.click('#outbox-notice button:text("Retry all")');
    await eventually(
      async () => (await myStates(alice.page, 'flood ')).every(([, s]) => s === 'delivered'),
      'every message delivered after Retry all',
      90_000,
    );
    await alice.page.waitForSelector('#outbox-notice', { state: 'hidden' });
    assert.equal(await alice.page.locator('#messages .send-error').count(), 0);
    const got = (await eventually(async () => {
      const list = await received(bob.page, 'alice', 'flood ');
      return list.length >= 100 && list;
    }, 'bob receiving all 100', 30_000)) as string[];
    assert.deepEqual([...new Set(got)].sort(), texts, 'each message once, none missing');
    assert.equal(got.length, 100);
    assert.equal(socketOf(chat, 'alice')?.id, connection, 'still the same connection');
    assert.deepEqual(alice.errors, []);
  });

  test('a single refused message has its own Retry', async () => {
    // a burst well over the bucket (10, refilled at 10 a second), then one Retry click, then Retry all
    const texts = Array.from({ length: 50 }, (_, i) => `single ${String(i).padStart(2, '0')}`);
    await typeAll(alice.page, texts);
    await eventually(async () => (await myStates(alice.page, 'single ')).every(([, s]) => s === 'delivered' || s === 'failed'), 'settled', 30_000);
    const failed = (await myStates(alice.page, 'single ')).filter(([, s]) => s === 'failed').map(([t]) => t);
    assert.ok(failed.length > 0, 'some were refused');
    const one = alice.page.locator('#messages li.message.mine', { hasText: failed[0]! });
    await one.locator('button.retry').click();
    await one.and(alice.page.locator('[data-state="delivered"]')).waitFor({ timeout: 30_000 });
    assert.equal(await one.locator('.send-error').count(), 0, 'its reason is gone');
    if (failed.length > 1) {
      await alice.page.click('#outbox-notice button:text("Retry all")');
    }
    await eventually(async () => (await myStates(alice.page, 'single ')).every(([, s]) => s === 'delivered'), 'all delivered', 60_000);
    await eventually(async () => (await received(bob.page, 'alice', 'single ')).length === 50, 'bob has the 50', 30_000);
  });
});

describe('the server restarts', () => {
  let chat: Chat;
  let dataDir: string;
  let alice: UserPage;
  let bob: UserPage;
  before(async () => {
    // users, sessions, history and the token secret in a data folder: the restarted server knows everyone
    dataDir = mkdtempSync(join(tmpdir(), 'chat-feedback-'));
    chat = await startChat({ port: 0, host: '127.0.0.1', dataDir });
    alice = await signIn(browser, chat.url, 'alice');
    bob = await signIn(browser, chat.url, 'bob');
    await alice.page.waitForSelector('#members li[data-user="bob"]');
  });
  after(async () => {
    await chat?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('"The server restarted, reconnecting…" in one steady banner, members greyed, typed messages sent after the restart', async () => {
    await recordBanners(alice.page);
    assert.equal(await alice.page.getAttribute('#members', 'data-stale'), 'false');
    const port = chat.port;
    await chat.close();
    await alice.page.waitForSelector('#banner:has-text("The server restarted, reconnecting…")');
    await alice.page.waitForSelector('#conn[data-state="disconnected"]');
    // who is in the room is unknown while down: the list is greyed
    await alice.page.waitForSelector('#members[data-stale="true"]');
    const opacity = await alice.page.$eval('#members li[data-user="bob"]', (li) => Number(getComputedStyle(li).opacity));
    assert.ok(opacity < 1, `members greyed (opacity ${opacity})`);
    // typed while down: kept, shown as waiting for the connection
    await typeAll(alice.page, ['while down 1', 'while down 2', 'while down 3']);
    await alice.page.waitForSelector('#messages li.message.mine[data-outbox="waiting"]');
    assert.deepEqual(
      (await myStates(alice.page, 'while down')).map(([, s]) => s),
      ['pending', 'pending', 'pending'],
    );
    // a few reconnection attempts fail while the server is away (each would have changed the banner before)
    await alice.page.waitForFunction(() => (window as unknown as { banners: string[] }).banners.length > 0);
    await new Promise((r) => setTimeout(r, 2500));
    await screenshot(alice.page, 'chat-server-restarting');
    chat = await startChat({ port, host: '127.0.0.1', dataDir });
    await alice.page.waitForSelector('#conn[data-state="connected"]', { timeout: 30_000 });
    await alice.page.waitForSelector('#banner', { state: 'hidden' });
    // the messages typed meanwhile are delivered, in order, and reach bob
    await eventually(async () => (await myStates(alice.page, 'while down')).every(([, s]) => s === 'delivered'), 'delivered after the restart', 30_000);
    await eventually(
      async () => (await received(bob.page, 'alice', 'while down')).join('|') === 'while down 1|while down 2|while down 3',
      'bob receiving them',
      30_000,
    );
    await alice.page.waitForSelector('#members[data-stale="false"]');
    const shown = await banners(alice.page);
    assert.deepEqual(shown, ['The server restarted, reconnecting…'], 'one steady banner, no transport error');
    assert.deepEqual(alice.errors, []);
  });

  test('cut for flooding: the reason in words, then a reconnection by itself that sends what was typed', async () => {
    await recordBanners(bob.page);
    const socket = socketOf(chat, 'bob')!;
    socket.disconnect(false, { reason: 'rate limited', data: { retryAfter: 1500 } });
    await bob.page.waitForSelector('#banner:has-text("You were sending messages too fast")');
    await typeAll(bob.page, ['after the cut']);
    await bob.page.waitForSelector('#conn[data-state="connected"]', { timeout: 30_000 });
    await bob.page.waitForSelector('#messages li.message.mine[data-state="delivered"] .text:text("after the cut")');
    await alice.page.waitForSelector('#messages li.message[data-from="bob"] .text:text("after the cut")');
    assert.notEqual(socketOf(chat, 'bob')?.id, socket.id, 'a new connection');
    const shown = await banners(bob.page);
    assert.deepEqual(shown, ['You were sending messages too fast. Reconnecting in 2 s…']);
    assert.deepEqual(bob.errors, []);
  });
});

describe('signing out', () => {
  let chat: Chat;
  before(async () => {
    chat = await startChat({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await chat?.close();
  });

  test('in one window: the other windows of the user show the sign-in form and say why', async () => {
    const first = await signIn(browser, chat.url, 'bob');
    const second = await signIn(browser, chat.url, 'bob');
    await first.page.click('#logout');
    await second.page.waitForSelector('#signin:not([hidden])');
    assert.equal(await second.page.textContent('#auth-error'), 'You signed out in another window. Sign in again.');
    await first.page.waitForSelector('#signin:not([hidden])');
    assert.equal(await first.page.isHidden('#auth-error'), true, 'the window signed out on purpose says nothing');
    assert.deepEqual(second.errors, []);
    await first.context.close();
    await second.context.close();
  });

  test('in the chat: the same admin\'s dashboard in another window says so too', async () => {
    const chatPage = await signIn(browser, chat.url, 'alice');
    const board = await signIn(browser, chat.url, 'alice');
    await board.page.goto(chat.url + '/dashboard');
    await board.page.waitForSelector('#conn[data-state="connected"]');
    await chatPage.page.click('#logout');
    await board.page.waitForSelector('#refused:not([hidden])');
    assert.equal(await board.page.textContent('#refused-title'), 'Signed out');
    assert.equal(await board.page.textContent('#refused-text'), 'You signed out in another window. Sign in again.');
    assert.deepEqual(board.errors, []);
    await chatPage.context.close();
    await board.context.close();
  });
});

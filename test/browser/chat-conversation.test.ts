// Two users chat in Chromium: messages with delivered ticks, typing, presence, a pasted image.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startChat, type Chat } from '../../examples/chat/app.js';
import { launchChromium, screenshot, signIn, type UserPage } from './chat-harness.js';

let chat: Chat;
let browser: Browser;
let alice: UserPage;
let bob: UserPage;

before(async () => {
  chat = await startChat({ port: 0, host: '127.0.0.1' });
  browser = await launchChromium();
  alice = await signIn(browser, chat.url, 'alice');
  bob = await signIn(browser, chat.url, 'bob');
});

after(async () => {
  await browser?.close();
  await chat?.close();
});

const members = (u: UserPage) => u.page.$$eval('#members li', (lis) => lis.map((li) => (li as HTMLElement).dataset.user));

test('both users see each other in the room', async () => {
  await alice.page.waitForSelector('#members li[data-user="bob"]');
  assert.deepEqual(await members(alice), ['alice', 'bob']);
  assert.deepEqual(await members(bob), ['alice', 'bob']);
  assert.equal(await alice.page.textContent('#room-count'), '2 here');
});

test('a message reaches the other user and shows a delivered tick to its author', async () => {
  await alice.page.fill('#input', 'Hello Bob! Did the deploy go well?');
  await alice.page.press('#input', 'Enter');
  const mine = alice.page.locator('#messages li.message.mine').last();
  await mine.locator('.text:text("Hello Bob!")').waitFor();
  await alice.page.waitForSelector('#messages li.message.mine[data-state="delivered"] .tick[title="Delivered"]');
  await bob.page.waitForSelector('#messages li.message[data-from="alice"] .text:text("Did the deploy go well?")');
  assert.equal(await bob.page.locator('#messages li.message.mine').count(), 0, 'not shown as his own on the other side');

  await bob.page.fill('#input', 'Yes, all green. Shipping the changelog now.');
  await bob.page.press('#input', 'Enter');
  await bob.page.waitForSelector('#messages li.message.mine[data-state="delivered"]');
  await alice.page.waitForSelector('#messages li.message[data-from="bob"] .text:text("all green")');
});

test('typing shows an indicator on the other page and stops after the message is sent', async () => {
  await bob.page.click('#input');
  await bob.page.keyboard.type('Typing a longer answer', { delay: 70 });
  await alice.page.waitForSelector('#typing:has-text("bob is typing")');
  await screenshot(alice.page, 'chat-alice-sees-typing');
  await bob.page.press('#input', 'Enter');
  await alice.page.waitForSelector('#messages li.message[data-from="bob"] .text:text("Typing a longer answer")');
  await alice.page.waitForFunction(() => document.getElementById('typing')!.textContent === '');
});

test('a pasted image is sent as binary and displayed on the other page', async () => {
  await alice.page.focus('#input');
  const size = await alice.page.evaluate(async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 240;
    canvas.height = 120;
    const g = canvas.getContext('2d')!;
    const grad = g.createLinearGradient(0, 0, 240, 120);
    grad.addColorStop(0, '#4f46e5');
    grad.addColorStop(1, '#0ea5e9');
    g.fillStyle = grad;
    g.fillRect(0, 0, 240, 120);
    g.fillStyle = '#fff';
    g.font = 'bold 22px sans-serif';
    g.fillText('build #1287 ✓', 40, 68);
    const blob: Blob = await new Promise((r) => canvas.toBlob((b) => r(b!), 'image/png'));
    const dt = new DataTransfer();
    dt.items.add(new File([blob], 'status.png', { type: 'image/png' }));
    document.getElementById('input')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    return blob.size;
  });
  assert.ok(size > 100);
  await alice.page.waitForSelector('#messages li.message.mine[data-state="delivered"] img.image');
  const img = await bob.page.waitForSelector('#messages li.message[data-from="alice"] img.image');
  await bob.page.waitForFunction((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0, img);
  const dims = await img.evaluate((el) => [(el as HTMLImageElement).naturalWidth, (el as HTMLImageElement).naturalHeight]);
  assert.deepEqual(dims, [240, 120], 'the received bytes decode to the same picture');
  await screenshot(bob.page, 'chat-bob-conversation');
  await screenshot(alice.page, 'chat-alice-conversation');
});

test('leaving a room updates the presence list of the others', async () => {
  await bob.page.fill('#join-name', 'release');
  await bob.page.press('#join-name', 'Enter');
  await bob.page.waitForSelector('#room-title:text("# release")');
  await bob.page.click('.room-item[data-room="general"] .room-link');
  await bob.page.waitForSelector('#room-title:text("# general")');
  await bob.page.click('#leave');
  await alice.page.waitForFunction(() => !document.querySelector('#members li[data-user="bob"]'));
  assert.deepEqual(await members(alice), ['alice']);
  await bob.page.waitForSelector('#room-title:text("# release")');
  await alice.page.waitForSelector('.room-item[data-room="release"] .room-users:text("1")');
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('a dropped connection shows the reconnecting banner, then reconnects and rejoins the rooms', async () => {
  await bob.page.evaluate(() => {
    const w = window as unknown as { banners: string[] };
    w.banners = [];
    new MutationObserver(() => {
      const b = document.getElementById('banner')!;
      if (!b.hidden) w.banners.push(b.textContent!.trim());
    }).observe(document.getElementById('banner')!, { attributes: true, childList: true, subtree: true, characterData: true });
  });
  const before = [...chat.io.of('/').sockets.values()].find((s) => (s.data as any).user.name === 'bob')!;
  before.conn.close(); // the transport goes away, as when a network drops
  await bob.page.waitForSelector('#banner:not([hidden])');
  await bob.page.waitForSelector('#conn[data-state="connected"]');
  await bob.page.waitForSelector('#banner', { state: 'hidden' });
  const banners = await bob.page.evaluate(() => (window as unknown as { banners: string[] }).banners);
  assert.ok(banners.some((b) => /Connection lost|Reconnecting/.test(b)), JSON.stringify(banners));
  const after = [...chat.io.of('/').sockets.values()].find((s) => (s.data as any).user.name === 'bob')!;
  assert.notEqual(after.id, before.id, 'a new connection');
  assert.ok(after.rooms.has('release'), 'the page joined its room again');
  // and the conversation goes on
  await alice.page.fill('#join-name', 'release');
  await alice.page.press('#join-name', 'Enter');
  await alice.page.waitForSelector('#room-title:text("# release")');
  await alice.page.fill('#input', 'welcome back');
  await alice.page.press('#input', 'Enter');
  await bob.page.waitForSelector('#messages li.message[data-from="alice"] .text:text("welcome back")');
  assert.deepEqual(bob.errors, []);
});

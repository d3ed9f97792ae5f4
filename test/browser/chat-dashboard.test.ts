// The live dashboard in Chromium: both chat clients with their transports, rooms, event rates,
// refusals, updating as clients come and go.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { startChat, type Chat } from '../../examples/chat/app.js';
import { launchChromium, openPage, screenshot, signIn, type UserPage } from './chat-harness.js';

let chat: Chat;
let browser: Browser;
let alice: UserPage;
let bob: UserPage;
let dashboard: Page;
let heldSocket: WebSocketRoute | undefined;
let upstream: ReturnType<WebSocketRoute['connectToServer']> | undefined;
const pageFrames: Array<string | Buffer> = [];

before(async () => {
  chat = await startChat({ port: 0, host: '127.0.0.1' });
  browser = await launchChromium();
  alice = await signIn(browser, chat.url, 'alice');
  // bob stays on HTTP long-polling, alice upgrades to WebSocket
  bob = await signIn(browser, chat.url, 'bob', '?transport=polling');
  dashboard = await alice.context.newPage();
  // hold the dashboard's WebSocket (its upgrade) until the test releases it
  await dashboard.routeWebSocket(/\/socket\.io\//, (ws) => {
    heldSocket = ws;
    ws.onMessage((m) => (upstream ? upstream.send(m) : pageFrames.push(m)));
  });
  // record the transports the dashboard shows for its own connection, from its first snapshot on
  await dashboard.addInitScript(`window.ownTransports = [];
    document.addEventListener('DOMContentLoaded', () => {
      new MutationObserver(() => {
        const row = document.querySelector('#clients tr[data-namespaces="/admin"]');
        const seen = window.ownTransports;
        if (row && seen[seen.length - 1] !== row.dataset.transport) seen.push(row.dataset.transport);
      }).observe(document.getElementById('clients'), { childList: true, subtree: true, attributes: true });
    });`);
  await dashboard.goto(chat.url + '/dashboard');
  await dashboard.waitForSelector('#board:not([hidden])');
});

after(async () => {
  await browser?.close();
  await chat?.close();
});

/** The dashboard's client rows for the chat namespace: [user, transport]. */
const chatRows = (page: Page) =>
  page.$$eval('#clients tr', (rows) =>
    rows
      .filter((r) => r.querySelector('td:nth-child(3)')!.textContent!.includes('/') && !r.textContent!.includes('/admin'))
      .map((r) => [(r as HTMLElement).dataset.user, r.querySelector('.transport')!.textContent])
      .sort(),
  );

test('the dashboard lists both chat clients with their transports', async () => {
  await dashboard.waitForFunction(() => document.querySelectorAll('#clients tr').length === 3);
  await dashboard.waitForSelector('#clients tr[data-user="alice"][data-transport="websocket"]');
  assert.deepEqual(await chatRows(dashboard), [
    ['alice', 'websocket'],
    ['bob', 'polling'],
  ]);
  // what the page shows is what the server has
  const server = [...chat.io.of('/').sockets.values()].map((s) => [(s.data as any).user.name, s.conn.transport.name]).sort();
  assert.deepEqual(server, [
    ['alice', 'websocket'],
    ['bob', 'polling'],
  ]);
  // the dashboard's own connection is still on polling (its WebSocket is held); release it: the row follows the upgrade
  await dashboard.waitForSelector('#clients tr[data-namespaces="/admin"][data-transport="polling"]');
  assert.ok(heldSocket, 'the dashboard tried to upgrade');
  upstream = heldSocket.connectToServer();
  for (const frame of pageFrames.splice(0)) upstream.send(frame);
  await dashboard.waitForSelector('#clients tr[data-namespaces="/admin"][data-transport="websocket"]');
  const own = await dashboard.evaluate(() => (window as unknown as { ownTransports: string[] }).ownTransports);
  assert.deepEqual(own, ['polling', 'websocket'], 'the dashboard showed its own connection upgrading');
  // alice has two WebSocket connections now, the chat and the dashboard
  await dashboard.waitForSelector('#t-ws:text("2")');
  assert.equal(await dashboard.textContent('#t-polling'), '1');
  assert.equal(await dashboard.textContent('#k-clients'), '3');
  assert.match((await dashboard.textContent('#k-sockets-sub'))!, /\/ 2 · \/admin 1/);
  assert.equal(await bob.page.textContent('#transport-info'), 'polling');
});

test('rooms, event rates and refusals update live', async () => {
  await dashboard.waitForSelector('#rooms g[data-label="#general"] .bar-value:text("2")');
  const before = Number(await dashboard.getAttribute('#k-in-sub', 'data-total'));
  for (const text of ['one', 'two', 'three']) {
    await bob.page.fill('#input', `polling message ${text}`);
    await bob.page.press('#input', 'Enter');
  }
  await alice.page.waitForSelector('#messages li.message[data-from="bob"] .text:text("polling message three")');
  await dashboard.waitForFunction(
    (n) => Number(document.getElementById('k-in-sub')!.dataset.total) >= n + 3,
    before,
  );
  // an anonymous handshake is refused and counted by reason
  await alice.page.evaluate(() => {
    const s = (window as any).io({ forceNew: true, reconnection: false, auth: {} });
    s.on('connect_error', () => s.close());
  });
  await dashboard.waitForSelector('#refusals g[data-label="NO_TOKEN"] .bar-value:text("1")');
  assert.equal(await dashboard.textContent('#k-refused'), '1');
  // the authenticator counted it too, and the panel shows the limits in force
  await dashboard.waitForSelector('#g-refused:text("1")');
  assert.equal(await dashboard.textContent('#g-rate'), '30 events/s per socket');
  assert.equal(await dashboard.textContent('#g-max'), '50 per address');
  // a burst over the rate: the dropped events are counted
  await alice.page.evaluate(() => {
    const s = (window as any).io({ forceNew: true, reconnection: false, autoConnect: false });
    return fetch('/api/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      .then((r) => r.json())
      .then(({ token }) => {
        s.auth = { token };
        s.connect();
        s.on('connect', () => {
          for (let i = 0; i < 40; i++) s.emit('typing', { room: 'general', typing: false });
          setTimeout(() => s.close(), 500);
        });
      });
  });
  // 40 events at once against a bucket of 30: some are dropped (a few may fit as it refills)
  await dashboard.waitForFunction(() => Number(document.getElementById('g-rate-limited')!.textContent) >= 5);
  await new Promise((r) => setTimeout(r, 600)); // the burst is over
  const limited = chat.limiter.stats().limited;
  assert.ok(limited >= 5 && limited <= 10, String(limited));
  await dashboard.waitForSelector(`#g-rate-limited:text("${limited}")`);
  await screenshot(dashboard, 'chat-dashboard');
});

test('an admin disconnects a client from the dashboard; the client can reconnect', async () => {
  const before = (await dashboard.getAttribute('#clients tr[data-user="bob"]', 'data-client'))!;
  await dashboard.click('#clients tr[data-user="bob"] button:text("Disconnect")');
  await bob.page.waitForSelector('#banner:has-text("Disconnected by the server")');
  assert.equal(await bob.page.getAttribute('#conn', 'data-state'), 'disconnected');
  await dashboard.waitForFunction(() => !document.querySelector('#clients tr[data-user="bob"]'));
  await bob.page.click('#banner-action:text("Reconnect")');
  await bob.page.waitForSelector('#conn[data-state="connected"]');
  await dashboard.waitForSelector('#clients tr[data-user="bob"][data-transport="polling"]');
  assert.notEqual(await dashboard.getAttribute('#clients tr[data-user="bob"]', 'data-client'), before, 'a new session');
});

test('a client that leaves disappears from the dashboard', async () => {
  await bob.context.close();
  await dashboard.waitForFunction(() => !document.querySelector('#clients tr[data-user="bob"]'));
  assert.deepEqual(await chatRows(dashboard), [['alice', 'websocket']]);
  await dashboard.waitForSelector('#rooms g[data-label="#general"] .bar-value:text("1")');
  assert.deepEqual(alice.errors, []);
});

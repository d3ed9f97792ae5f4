// The live dashboard in Chromium: both chat clients with their transports, rooms, event rates,
// refusals, updating as clients come and go; its numbers are those of the server's /metrics.
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

/** Sums the samples of a family in a Prometheus exposition whose labels include `match`. */
function sample(text: string, name: string, match: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(match).every(([k, v]) => labels[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

test('the numbers shown are those of /metrics', async () => {
  const res = await fetch(chat.url + '/metrics');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
  // a string, not a function: the page has no helper the test's compiler may reference
  const read = () =>
    dashboard.evaluate(`(() => {
      const text = (id) => document.getElementById(id).textContent;
      const data = (id, key) => Number(document.getElementById(id).dataset[key]);
      const bar = (label) => Number(document.querySelector('#refusals g[data-label="' + label + '"] .bar-value')?.textContent ?? 0);
      return {
        connections: Number(text('k-clients')),
        websocket: Number(text('t-ws')),
        polling: Number(text('t-polling')),
        eventsIn: data('k-in-sub', 'total'),
        eventsOut: data('k-out-sub', 'total'),
        bytesIn: data('m-bytes-in-sub', 'value'),
        bytesOut: data('m-bytes-out-sub', 'value'),
        acks: data('m-ack-sub', 'value'),
        upgrades: data('m-upgrades', 'value'),
        refusedAtConnect: Number(text('g-refused')),
        rateLimited: Number(text('g-rate-limited')),
        noToken: bar('NO_TOKEN'),
        middleware: Number(document.querySelector('#handshakes li[data-reason="namespace middleware"] b')?.textContent ?? 0),
      };
    })()`) as Promise<Record<string, number>>;
  const expected = (text: string) => ({
    connections: sample(text, 'socketeer_engine_connections'),
    websocket: sample(text, 'socketeer_engine_connections', { transport: 'websocket' }),
    polling: sample(text, 'socketeer_engine_connections', { transport: 'polling' }),
    eventsIn: sample(text, 'socketeer_messages_received_total', { namespace: '/' }),
    eventsOut: sample(text, 'socketeer_messages_sent_total', { namespace: '/' }),
    bytesIn: sample(text, 'socketeer_received_bytes_total', { namespace: '/' }),
    bytesOut: sample(text, 'socketeer_sent_bytes_total', { namespace: '/' }),
    acks: sample(text, 'socketeer_ack_round_trip_seconds_count', { namespace: '/' }),
    upgrades: sample(text, 'socketeer_upgrades_total'),
    refusedAtConnect: sample(text, 'socketeer_credentials_verifications_total', { outcome: 'refused' }),
    rateLimited: sample(text, 'socketeer_rate_limited_events_total'),
    noToken: sample(text, 'chat_refusals_total', { code: 'NO_TOKEN' }),
    middleware: sample(text, 'socketeer_handshakes_refused_total', { stage: 'namespace', reason: 'middleware' }),
  });
  // the page redraws every second: wait until a redraw shows the state /metrics gives (the chat is quiet now)
  let shown: Record<string, number> | undefined;
  let scraped: ReturnType<typeof expected> | undefined;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    scraped = expected(await (await fetch(chat.url + '/metrics')).text());
    shown = await read();
    if (JSON.stringify(shown) === JSON.stringify(scraped)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.deepEqual(shown, scraped);
  // the scenario so far left its marks in both
  assert.equal(scraped!.noToken, 1);
  assert.ok(scraped!.eventsIn >= 3 && scraped!.bytesIn > 0 && scraped!.bytesOut > 0, JSON.stringify(scraped));
  assert.ok(scraped!.rateLimited >= 5);
  assert.equal(scraped!.websocket, 2);
});

test('an admin disconnects a client from the dashboard; the client can reconnect', async () => {
  const before = (await dashboard.getAttribute('#clients tr[data-user="bob"]', 'data-client'))!;
  await dashboard.click('#clients tr[data-user="bob"] button:text("Disconnect")');
  await bob.page.waitForSelector('#banner:has-text("You were disconnected by an admin")');
  assert.equal(await bob.page.getAttribute('#conn', 'data-state'), 'disconnected');
  await dashboard.waitForFunction(() => !document.querySelector('#clients tr[data-user="bob"]'));
  await bob.page.click('#banner-action:text("Reconnect")');
  await bob.page.waitForSelector('#conn[data-state="connected"]');
  await dashboard.waitForSelector('#clients tr[data-user="bob"][data-transport="polling"]');
  assert.notEqual(await dashboard.getAttribute('#clients tr[data-user="bob"]', 'data-client'), before, 'a new session');
});

test('a client that leaves disappears from the dashboard', async () => {
  await bob.context.close();
  // closed between two polls, bob's session ends by the heartbeat (25 s + 20 s by default), not at once
  await dashboard.waitForFunction(() => !document.querySelector('#clients tr[data-user="bob"]'), undefined, { timeout: 60_000 });
  assert.deepEqual(await chatRows(dashboard), [['alice', 'websocket']]);
  await dashboard.waitForSelector('#rooms g[data-label="#general"] .bar-value:text("1")');
  assert.deepEqual(alice.errors, []);
});

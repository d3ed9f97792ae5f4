// The official admin UI (the static app `@socket.io/admin-ui` ships) in headless Chromium against a Socketeer
// server instrumented with the official `instrument()`: connection form, dashboard, sockets, socket details,
// rooms, events, servers, and the join / leave / disconnect actions (checked on the server after each click).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { io as ioc, type Socket as ClientSocket } from 'socket.io-client';
import { startAdminServer, startUiServer, until, type AdminServer } from './fixture.js';
import { connectUi, launchChromium, navigate, openUi, settle } from './ui.js';

const PATH = '/rt';
let server: AdminServer;
let ui: { url: string; close(): Promise<void> };
let browser: Browser;
let page: Page;
let user: ClientSocket;
let userId: string;

before(async () => {
  server = await startAdminServer({
    server: { path: PATH },
    serverId: 'socketeer-a',
    setup: (io) => {
      io.on('connection', (socket) => {
        socket.on('order', (item: string) => socket.emit('order-accepted', item));
      });
    },
  });
  ui = await startUiServer();
  user = ioc(server.url, { forceNew: true, path: PATH, query: { room: 'lobby' }, extraHeaders: { 'x-probe': 'yes' } });
  await new Promise<void>((r) => user.once('connect', () => r()));
  userId = user.id!;
  browser = await launchChromium();
  page = await openUi(browser, ui.url);
});

after(async () => {
  await browser?.close();
  user?.close();
  await server?.close();
  await ui?.close();
});

async function openSocketPage(): Promise<void> {
  await navigate(page, 'Sockets');
  await page.locator('tr', { hasText: userId }).click();
  await page.waitForURL(new RegExp(`/n/%2F/sockets/${userId}$`));
  await settle(page);
}

const local = () => server.io.of('/').sockets.get(userId);
const app = () => page.locator('#app');

test('wrong password: the form shows "invalid credentials"', async () => {
  await connectUi(page, server.url, PATH, 'wrong');
  await page.locator('.v-dialog--active .red--text', { hasText: 'invalid credentials' }).waitFor({ timeout: 15000 });
});

test('connection form: connects to /admin with path and credentials', async () => {
  await page.reload();
  await connectUi(page, server.url, PATH);
  await page.locator('header', { hasText: 'Connected' }).waitFor({ timeout: 15000 });
  await page.locator('.v-dialog--active').waitFor({ state: 'detached', timeout: 15000 }).catch(() => undefined);
});

test('dashboard: one healthy server, namespaces with their socket counts', async () => {
  await navigate(page, 'Dashboard');
  const namespaces = page.locator('.v-card', { hasText: 'Namespaces' });
  await namespaces.locator('tr', { hasText: '/admin' }).waitFor({ timeout: 15000 });
  await until(async () => /\/\s+1/.test(await namespaces.innerText()), 'namespace "/" with 1 socket');
  const servers = page.locator('.v-card', { hasText: 'Servers' }).first();
  await until(async () => /Healthy\s+1/i.test(await servers.innerText()), 'one healthy server');
});

test('sockets: the user socket with address and transport', async () => {
  await navigate(page, 'Sockets');
  const row = page.locator('tr', { hasText: userId });
  await row.waitFor({ timeout: 15000 });
  const text = await row.innerText();
  assert.match(text, /127\.0\.0\.1/);
  assert.match(text, /WebSocket/);
});

test('socket details: handshake headers and query, transport, rooms', async () => {
  await openSocketPage();
  await app().getByText('x-probe').waitFor({ timeout: 15000 });
  const text = await app().innerText();
  assert.match(text, /x-probe\s+yes/);
  assert.match(text, /room\s+lobby/);
  assert.match(text, /WebSocket/);
  assert.match(text, /127\.0\.0\.1/);
  const rooms = page.locator('.v-card', { hasText: 'Join a room' });
  await rooms.locator('tr', { hasText: userId }).waitFor();
});

test('join a room from the socket page: the server socket is in the room', async () => {
  const rooms = page.locator('.v-card', { hasText: 'Join a room' });
  await rooms.getByRole('textbox', { name: 'Join a room' }).fill('support');
  await rooms.locator('button[type=submit]').click();
  await until(() => local()?.rooms.has('support') === true, 'socket in room "support" on the server');
  await rooms.locator('tr', { hasText: 'support' }).waitFor({ timeout: 15000 });
});

test('rooms view lists the room and its socket', async () => {
  await navigate(page, 'Rooms');
  const row = page.locator('tr', { hasText: 'support' });
  await row.waitFor({ timeout: 15000 });
  await row.click();
  await settle(page);
  await page.locator('tr', { hasText: userId }).waitFor({ timeout: 15000 });
});

test('leave a room from the socket page: the server socket left it', async () => {
  await openSocketPage();
  const rooms = page.locator('.v-card', { hasText: 'Join a room' });
  const row = rooms.locator('tr', { hasText: 'support' });
  await row.waitFor({ timeout: 15000 });
  await row.locator('button').click();
  await until(() => local()?.rooms.has('support') === false, 'socket out of room "support" on the server');
  await row.waitFor({ state: 'detached', timeout: 15000 });
});

test('events view (development mode): received and sent events', async () => {
  user.emit('order', 'coffee');
  await new Promise<void>((r) => user.once('order-accepted', () => r()));
  await navigate(page, 'Events');
  await page.locator('tr', { hasText: 'Event sent' }).filter({ hasText: 'order-accepted' }).waitFor({ timeout: 15000 });
  await page.locator('tr', { hasText: 'Event received' }).filter({ hasText: 'order' }).first().waitFor({ timeout: 15000 });
  await page.locator('tr', { hasText: 'Room joined' }).filter({ hasText: 'support' }).waitFor({ timeout: 15000 });
  await page.locator('tr', { hasText: 'Room left' }).filter({ hasText: 'support' }).waitFor({ timeout: 15000 });
});

test('servers view: the server id, healthy', async () => {
  await navigate(page, 'Servers');
  const row = page.locator('tr', { hasText: 'socketeer-a' });
  await row.waitFor({ timeout: 15000 });
  assert.match(await row.innerText(), /Healthy/i);
});

test('clients view: disconnect a whole client (its connection closes on the server)', async () => {
  const other = ioc(server.url, { forceNew: true, path: PATH, reconnection: false });
  await new Promise<void>((r) => other.once('connect', () => r()));
  const otherId = other.id!;
  const clientId = other.io.engine.id.substring(0, 12);
  try {
    await navigate(page, 'Clients');
    const row = page.locator('tr', { hasText: clientId }).filter({ hasText: '127.0.0.1' });
    await row.waitFor({ timeout: 15000 });
    assert.match(await row.innerText(), /127\.0\.0\.1/);
    const closed = new Promise<void>((r) => other.io.engine.once('close', () => r()));
    await row.locator('button').click();
    await closed;
    await until(() => !server.io.of('/').sockets.has(otherId), 'client socket removed on the server');
    // (the click also opens the client page: the table row sees it too)
    await settle(page);
  } finally {
    other.close();
  }
});

test('disconnect the socket from its page: gone from the server', async () => {
  await openSocketPage();
  const socketSection = page.locator('tr', { hasText: 'Status' }).nth(1);
  const disconnected = new Promise<string>((r) => user.once('disconnect', (reason) => r(reason)));
  await socketSection.locator('button').click();
  assert.equal(await disconnected, 'io server disconnect');
  await until(() => local() === undefined, 'socket removed on the server');
});

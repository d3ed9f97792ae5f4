// The official admin-ui on two Socketeer servers joined by the Redis adapter (`socketeer/redis`, a private
// redis-server), with the package's `RedisStore` for sessions: one admin connection sees both servers, the
// sockets of both, and acts on a socket of the other server. Checked from Node, then in the shipped UI.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RedisStore } from '@socket.io/admin-ui';
import type { Browser, Page } from 'playwright-core';
import { io as ioc, type Socket as ClientSocket } from 'socket.io-client';
import { createAdapter } from '../../src/server/adapters/redis/index.js';
import { RedisServer } from '../cluster/redis.js';
import { connectAdmin, startAdminServer, startUiServer, until, type AdminClient, type AdminServer } from './fixture.js';
import { connectUi, launchChromium, navigate, openUi, settle } from './ui.js';

let redis: RedisServer;
const clients: Redis[] = [];
let a: AdminServer;
let b: AdminServer;
let userA: ClientSocket;
let userB: ClientSocket;
let idA: string;
let idB: string;
const admins: AdminClient[] = [];

function redisClient(): Redis {
  const c = new Redis(redis.port, '127.0.0.1', { lazyConnect: false });
  clients.push(c);
  return c;
}

async function node(serverId: string): Promise<AdminServer> {
  return startAdminServer({
    serverId,
    store: new RedisStore(redisClient()),
    server: { adapter: createAdapter(redisClient(), redisClient()) },
  });
}

async function user(url: string, tag: string): Promise<ClientSocket> {
  const s = ioc(url, { forceNew: true, query: { node: tag } });
  await new Promise<void>((r) => s.once('connect', () => r()));
  // the tests read the socket's transport: wait for the upgrade rather than race it
  if (s.io.engine.transport.name !== 'websocket') await new Promise<void>((r) => s.io.engine.once('upgrade', () => r()));
  return s;
}

before(async () => {
  redis = await RedisServer.start();
  a = await node('node-a');
  b = await node('node-b');
  userA = await user(a.url, 'a');
  userB = await user(b.url, 'b');
  idA = userA.id!;
  idB = userB.id!;
});

after(async () => {
  for (const x of admins) x.close();
  userA?.close();
  userB?.close();
  await a?.close();
  await b?.close();
  for (const c of clients) c.disconnect();
  await redis?.stop();
});

test('Node: one admin connection on A gets the stats of both servers and the sockets of both', async () => {
  const admin = connectAdmin(a.url);
  admins.push(admin);
  const [sockets] = (await admin.waitFor('all_sockets')) as [
    { id: string; transport: string; clientId: string; rooms: string[]; handshake: { address: string; query: Record<string, string> } }[],
  ];
  const ids = sockets.map((s) => s.id);
  assert.ok(ids.includes(idA) && ids.includes(idB), `both users listed: ${ids.join(', ')}`);
  const remote = sockets.find((s) => s.id === idB);
  assert.equal(remote?.handshake.query.node, 'b');
  assert.equal(remote?.handshake.address, '127.0.0.1');
  assert.equal(remote?.transport, 'websocket');
  assert.equal(remote?.clientId.length, 12);
  assert.deepEqual(remote?.rooms, [idB]);
  await admin.waitFor('server_stats', ([s]) => (s as { serverId: string }).serverId === 'node-a');
  await admin.waitFor('server_stats', ([s]) => (s as { serverId: string }).serverId === 'node-b');
});

test('Node: the session saved in Redis by A opens an admin connection on B', async () => {
  const first = connectAdmin(a.url);
  admins.push(first);
  const [sessionId] = await first.waitFor('session');
  const second = connectAdmin(b.url, { sessionId: sessionId as string });
  admins.push(second);
  await second.waitFor('config');
});

test('Node: join / leave / disconnect from A act on a socket of B', async () => {
  const admin = connectAdmin(a.url);
  admins.push(admin);
  await admin.waitFor('config');
  const onB = () => b.io.of('/').sockets.get(idB);
  admin.socket.emit('join', '/', 'vip', idB);
  await until(() => onB()?.rooms.has('vip') === true, 'B socket joined "vip"');
  await admin.waitFor('room_joined', ([, room, id]) => room === 'vip' && id === idB);
  admin.socket.emit('leave', '/', 'vip', idB);
  await until(() => onB()?.rooms.has('vip') === false, 'B socket left "vip"');
  // a socket connecting on B is announced to the admin connected on A
  const late = await user(b.url, 'late');
  const lateId = late.id!;
  await admin.waitFor('socket_connected', ([s]) => (s as { id: string }).id === lateId);
  admin.socket.emit('_disconnect', '/', false, lateId);
  await until(() => !b.io.of('/').sockets.has(lateId), 'late socket disconnected on B');
  await admin.waitFor('socket_disconnected', ([, id]) => id === lateId);
  late.close();
});

test('browser ("WebSocket only"): the UI connected to A shows both servers and the sockets of both, and acts on B', async () => {
  const ui = await startUiServer();
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page: Page = await openUi(browser, ui.url);
    await connectUi(page, a.url, '/socket.io', undefined, true);
    await page.locator('header', { hasText: 'Connected' }).waitFor({ timeout: 15000 });
    // "WebSocket only": the admin connection opened straight on WebSocket
    const adminSockets = () => [...a.io.of('/admin').sockets.values()];
    await until(() => adminSockets().some((s) => s.handshake.query.transport === 'websocket'), 'a WebSocket-only admin connection on A');
    await navigate(page, 'Servers');
    await page.locator('tr', { hasText: 'node-a' }).waitFor({ timeout: 15000 });
    await page.locator('tr', { hasText: 'node-b' }).waitFor({ timeout: 15000 });
    await navigate(page, 'Sockets');
    await page.locator('tr', { hasText: idA }).waitFor({ timeout: 15000 });
    await page.locator('tr', { hasText: idB }).waitFor({ timeout: 15000 });
    await page.locator('tr', { hasText: idB }).click();
    await settle(page);
    const rooms = page.locator('.v-card', { hasText: 'Join a room' });
    await rooms.getByRole('textbox', { name: 'Join a room' }).fill('from-ui');
    await rooms.locator('button[type=submit]').click();
    await until(() => b.io.of('/').sockets.get(idB)?.rooms.has('from-ui') === true, 'B socket joined "from-ui" from the UI');
    const row = rooms.locator('tr', { hasText: 'from-ui' });
    await row.waitFor({ timeout: 15000 });
    await row.locator('button').click();
    await until(() => b.io.of('/').sockets.get(idB)?.rooms.has('from-ui') === false, 'B socket left "from-ui" from the UI');
  } finally {
    await browser?.close();
    await ui.close();
  }
});

// The official `@socket.io/admin-ui` server part on a Socketeer server, checked from Node through an admin
// client on `/admin` (what the UI receives, and the join / leave / disconnect actions it sends).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { io as ioc, type Socket as ClientSocket } from 'socket.io-client';
import { connectAdmin, startAdminServer, until, USERNAME, type AdminClient, type AdminServer } from './fixture.js';

interface SerializedSocket {
  id: string;
  clientId: string;
  transport: string;
  nsp: string;
  data: Record<string, unknown>;
  handshake: { address: string; headers: Record<string, string>; query: Record<string, string>; url: string; issued: number; secure: boolean };
  rooms: string[];
}

let server: AdminServer;
let user: ClientSocket;
const admins: AdminClient[] = [];

before(async () => {
  server = await startAdminServer({
    setup: (io) => {
      io.on('connection', (socket) => {
        socket.data.role = 'tester';
        socket.on('ping-me', (n: number, ack: (v: number) => void) => ack(n + 1));
        socket.on('say', () => socket.emit('said', 'back'));
      });
    },
  });
  user = ioc(server.url, {
    forceNew: true,
    query: { room: 'lobby' },
    auth: { token: 't-123' },
    extraHeaders: { 'x-probe': 'yes' },
  });
  await new Promise<void>((r) => user.once('connect', () => r()));
});

after(async () => {
  for (const a of admins) a.close();
  user.close();
  await server.close();
});

function admin(auth?: Record<string, string>): AdminClient {
  const a = connectAdmin(server.url, auth);
  admins.push(a);
  return a;
}

test('basic auth: wrong password is refused with "invalid credentials"', async () => {
  const a = admin({ username: USERNAME, password: 'wrong' });
  const [message] = await a.waitFor('connect_error');
  assert.equal(message, 'invalid credentials');
});

test('basic auth: the session id sent after login opens a second connection', async () => {
  const a = admin();
  const [sessionId] = await a.waitFor('session');
  assert.equal(typeof sessionId, 'string');
  const b = admin({ sessionId: sessionId as string });
  await b.waitFor('config');
});

test('config lists every feature (development mode, not readonly)', async () => {
  const a = admin();
  const [config] = await a.waitFor('config');
  assert.deepEqual((config as { supportedFeatures: string[] }).supportedFeatures, [
    'EMIT', 'JOIN', 'LEAVE', 'DISCONNECT', 'MJOIN', 'MLEAVE', 'MDISCONNECT', 'AGGREGATED_EVENTS', 'ALL_EVENTS',
  ]);
});

test('server_stats: server id, engine clients, namespaces with socket counts, aggregated events', async () => {
  const a = admin();
  const [stats] = (await a.waitFor('server_stats')) as [
    { serverId: string; pid: number; clientsCount: number; pollingClientsCount: number; namespaces: { name: string; socketsCount: number }[] },
  ];
  assert.equal(stats.pid, process.pid);
  assert.ok(stats.clientsCount >= 2, `clientsCount ${stats.clientsCount}`);
  assert.equal(typeof stats.pollingClientsCount, 'number');
  const main = stats.namespaces.find((n) => n.name === '/');
  assert.equal(main?.socketsCount, 1);
  assert.ok(stats.namespaces.some((n) => n.name === '/admin'));
  // aggregated counters (connections, packets and bytes in/out) come from engine socket events
  const [later] = (await a.waitFor('server_stats', ([s]) =>
    (s as { aggregatedEvents: { type: string }[] }).aggregatedEvents.some((e) => e.type === 'bytesOut'))) as [
    { aggregatedEvents: { type: string; count: number }[] },
  ];
  assert.ok(later.aggregatedEvents.every((e) => e.count > 0));
});

test('all_sockets: id, client id, transport, handshake (address, headers, query), data and rooms', async () => {
  const a = admin();
  const [sockets] = (await a.waitFor('all_sockets')) as [SerializedSocket[]];
  const s = sockets.find((x) => x.id === user.id);
  assert.ok(s, 'the user socket is listed');
  assert.equal(s.nsp, '/');
  assert.equal(s.clientId.length, 12);
  assert.equal(s.transport, user.io.engine.transport.name);
  assert.equal(s.handshake.address, '127.0.0.1');
  assert.equal(s.handshake.headers['x-probe'], 'yes');
  assert.equal(s.handshake.query.room, 'lobby');
  assert.equal(s.handshake.secure, false);
  assert.match(s.handshake.url, /^\/socket\.io\/\?/);
  assert.equal(typeof s.handshake.issued, 'number');
  assert.deepEqual(s.data, { role: 'tester' });
  assert.deepEqual(s.rooms, [user.id]);
  // admin-ui leaves handshake.auth out on purpose (the user connected with auth: { token })
  assert.equal('auth' in s.handshake, false);
  assert.deepEqual(server.io.of('/').sockets.get(user.id!)?.handshake.auth, { token: 't-123' });
});

test('transport upgrade is reported (socket_updated with "websocket")', async () => {
  const a = admin();
  await a.waitFor('config');
  const probe = ioc(server.url, { forceNew: true });
  await new Promise<void>((r) => probe.once('connect', () => r()));
  const probeId = probe.id;
  try {
    const [connected] = (await a.waitFor('socket_connected', ([s]) => (s as SerializedSocket).id === probe.id)) as [SerializedSocket];
    assert.equal(connected.transport, 'polling');
    await a.waitFor('socket_updated', ([u]) => (u as { id: string; transport?: string }).id === probe.id && (u as { transport?: string }).transport === 'websocket');
  } finally {
    probe.close();
  }
  await a.waitFor('socket_disconnected', ([nsp, id]) => nsp === '/' && id === probeId);
});

test('events: received (with ack stripped) and sent', async () => {
  const a = admin();
  await a.waitFor('config');
  assert.equal(await user.emitWithAck('ping-me', 41), 42);
  user.emit('say');
  const [nsp, id, args] = await a.waitFor('event_received', ([, , args]) => (args as unknown[])[0] === 'ping-me');
  assert.equal(nsp, '/');
  assert.equal(id, user.id);
  assert.deepEqual(args, ['ping-me', 41]);
  const [, sid, sent] = await a.waitFor('event_sent', ([, , args]) => (args as unknown[])[0] === 'said');
  assert.equal(sid, user.id);
  assert.deepEqual(sent, ['said', 'back']);
});

test('join / leave a room, then disconnect: server state follows each action', async () => {
  const a = admin();
  await a.waitFor('config');
  const userId = user.id!;
  const local = () => server.io.of('/').sockets.get(userId);
  a.socket.emit('join', '/', 'support', user.id);
  await until(() => local()?.rooms.has('support') === true, 'join');
  await a.waitFor('room_joined', ([nsp, room, id]) => nsp === '/' && room === 'support' && id === user.id);
  a.socket.emit('leave', '/', 'support', user.id);
  await until(() => local()?.rooms.has('support') === false, 'leave');
  await a.waitFor('room_left', ([nsp, room, id]) => nsp === '/' && room === 'support' && id === user.id);
  // the whole-namespace variants (no filter) the Rooms view uses
  a.socket.emit('join', '/', 'everyone');
  await until(() => local()?.rooms.has('everyone') === true, 'join all');
  a.socket.emit('leave', '/', 'everyone');
  await until(() => local()?.rooms.has('everyone') === false, 'leave all');
  // emit to a room
  const got = new Promise((r) => user.once('notice', r));
  a.socket.emit('join', '/', 'support', user.id);
  await until(() => local()?.rooms.has('support') === true, 'join again');
  a.socket.emit('emit', '/', 'support', 'notice', 'hi');
  assert.equal(await got, 'hi');
  const disconnected = new Promise((r) => user.once('disconnect', r));
  a.socket.emit('_disconnect', '/', false, user.id);
  assert.equal(await disconnected, 'io server disconnect');
  await until(() => local() === undefined, 'disconnect');
  await a.waitFor('socket_disconnected', ([nsp, id, reason]) => nsp === '/' && id === userId && reason === 'server namespace disconnect');
  assert.equal(server.io.of('/').sockets.size, 0);
});

test('disconnect with close=true ends the whole connection', async () => {
  const a = admin();
  await a.waitFor('config');
  const c = ioc(server.url, { forceNew: true, reconnection: false });
  await new Promise<void>((r) => c.once('connect', () => r()));
  const before = server.io.engine.clientsCount;
  const closed = new Promise((r) => c.io.engine.once('close', r));
  a.socket.emit('_disconnect', '/', true, c.id);
  await closed;
  await until(() => server.io.engine.clientsCount === before - 1, 'engine client closed');
});

test('instrument() before attach, dynamic namespaces, polling clients count, readonly and a custom namespace', async () => {
  const { createServer } = await import('node:http');
  const { Server } = await import('../../src/server/index.js');
  const { instrument } = await import('@socket.io/admin-ui');
  const io = new Server({ cors: { origin: true } });
  io.of(/^\/dyn-\d+$/).on('connection', () => undefined);
  // called before the server is bound to an HTTP server (admin-ui then looks for io.engine on the next tick)
  instrument(io as unknown as Parameters<typeof instrument>[0], { auth: false, mode: 'development', readonly: true, namespaceName: '/ops' });
  const http = createServer();
  io.attach(http);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  const ops = ioc(`${url}/ops`, { forceNew: true, reconnection: false });
  const events: { event: string; args: unknown[] }[] = [];
  ops.onAny((event: string, ...args: unknown[]) => events.push({ event, args }));
  const polling = ioc(`${url}/dyn-7`, { forceNew: true, transports: ['polling'] });
  try {
    await new Promise<void>((r) => polling.once('connect', () => r()));
    const pollingId = polling.id;
    await until(() => events.some((e) => e.event === 'config'), 'config on /ops');
    const config = events.find((e) => e.event === 'config')!.args[0] as { supportedFeatures: string[] };
    assert.deepEqual(config.supportedFeatures, ['AGGREGATED_EVENTS', 'ALL_EVENTS'], 'readonly: no action features');
    type Stats = { pollingClientsCount: number; namespaces: { name: string; socketsCount: number }[] };
    const stats = () => events.filter((e) => e.event === 'server_stats').map((e) => e.args[0] as Stats);
    await until(() => stats().some((s) => s.pollingClientsCount === 1 && s.namespaces.some((n) => n.name === '/dyn-7' && n.socketsCount === 1)), `a polling client on /dyn-7 (${JSON.stringify(stats())})`);
    const sockets = events.find((e) => e.event === 'all_sockets')?.args[0] as { id: string; nsp: string; transport: string }[] | undefined;
    const listed = sockets?.find((s) => s.id === pollingId) ?? events.find((e) => e.event === 'socket_connected' && (e.args[0] as { id: string }).id === pollingId)?.args[0] as { nsp: string; transport: string } | undefined;
    assert.equal(listed?.nsp, '/dyn-7');
    assert.equal(listed?.transport, 'polling');
    polling.close();
    await until(() => events.some((e) => e.event === 'socket_disconnected' && e.args[0] === '/dyn-7' && e.args[1] === pollingId), 'dyn-7 socket disconnected');
    await until(() => stats().at(-1)?.pollingClientsCount === 0, 'polling count back to 0');
  } finally {
    polling.close();
    ops.close();
    await new Promise<void>((r) => io.close(() => r()));
    http.closeAllConnections();
  }
});

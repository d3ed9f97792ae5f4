/**
 * Re-verification on demand (after a permission change): one socket, a room, and a room spread over two servers
 * sharing a Redis adapter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { io as officialClient, type Socket as OfficialSocket } from 'socket.io-client';
import { Server, type ServerOptions } from '../../src/server/index.js';
import { createAdapter } from '../../src/server/adapters/redis/index.js';
import { io as socketeerClient, type Socket as ClientSocket } from '../../src/client/index.js';
import { authenticate, credentialsOf, reverify, type Authenticator } from '../../src/server/auth/index.js';
import { enableCredentialsRefresh, type CredentialsError, type RefreshableSocket } from '../../src/client/auth/index.js';
import { RedisServer } from '../cluster/redis.js';
import { waitFor } from './helpers.js';

/** Users, their role, and whether they may connect at all; tokens are `<user>` (no expiry here). */
class Directory {
  readonly roles = new Map<string, string>([['alice', 'reader'], ['bob', 'reader'], ['carol', 'reader']]);
  verifications = 0;
  verify = async (auth: Record<string, any>) => {
    this.verifications++;
    const user = String(auth.token);
    const role = this.roles.get(user);
    if (!role) throw Object.assign(new Error('access revoked'), { data: { user } });
    return { data: { user, role } };
  };
}

interface Node {
  io: Server;
  http: HttpServer;
  auth: Authenticator;
  url: string;
}

async function startNode(dir: Directory, opts: Partial<ServerOptions> = {}): Promise<Node> {
  const http = createServer();
  const io = new Server(http, { pingInterval: 500, pingTimeout: 1000, ...opts });
  const auth = authenticate(io, { verify: dir.verify, refreshTimeout: 1000 });
  io.on('connection', (socket) => socket.join('user:' + socket.data.user));
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return { io, http, auth, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

async function stopNode(node: Node): Promise<void> {
  await node.io.close();
  node.http.closeAllConnections();
}

function socketeer(url: string, token: string): RefreshableSocket<ClientSocket> {
  const s = enableCredentialsRefresh(socketeerClient(url, { forceNew: true, reconnection: false, autoConnect: false, auth: { token } }));
  s.connect();
  return s;
}

function official(url: string, token: string): OfficialSocket {
  return officialClient(url, { forceNew: true, reconnection: false, auth: { token } });
}

test('reverify(socket): a refresh-capable client is asked for new credentials, socket.data follows the new role', async () => {
  const dir = new Directory();
  const node = await startNode(dir);
  let authCalls = 0;
  const client = enableCredentialsRefresh(
    socketeerClient(node.url, {
      forceNew: true,
      reconnection: false,
      autoConnect: false,
      auth: (cb: (d: object) => void) => {
        authCalls++;
        cb({ token: 'alice' });
      },
    }),
  );
  client.connect();
  try {
    await waitFor(client, 'connect');
    const socket = node.io.sockets.sockets.get(client.id!)!;
    assert.equal(socket.data.role, 'reader');
    dir.roles.set('alice', 'admin');
    const refreshed = waitFor(client, 'credentials_refresh');
    assert.deepEqual(await reverify(socket), { kept: 1, disconnected: 0 });
    await refreshed;
    assert.equal(authCalls, 2, 'the client called its auth function again');
    assert.equal(socket.data.role, 'admin');
    assert.equal(credentialsOf(socket)!.refreshes, 1);
    assert.equal(client.connected, true);
    assert.equal(node.auth.stats().reverified, 1);
  } finally {
    client.disconnect();
    await stopNode(node);
  }
});

test('reverify(socket): for a client without refresh, its last credentials are verified again; refused → disconnected', async () => {
  const dir = new Directory();
  const node = await startNode(dir);
  const client = official(node.url, 'bob');
  try {
    await waitFor(client, 'connect');
    const socket = node.io.sockets.sockets.get(client.id!)!;
    let serverReason = '';
    socket.on('disconnect', (r) => (serverReason = r));
    dir.roles.set('bob', 'editor');
    assert.deepEqual(await node.auth.reverify(socket), { kept: 1, disconnected: 0 });
    assert.equal(socket.data.role, 'editor');
    dir.roles.delete('bob');
    const disconnected = waitFor<[string]>(client, 'disconnect');
    assert.deepEqual(await node.auth.reverify(socket), { kept: 0, disconnected: 1 });
    assert.equal((await disconnected)[0], 'io server disconnect');
    assert.equal(serverReason, 'credentials refused');
  } finally {
    client.disconnect();
    await stopNode(node);
  }
});

test('reverify(io.in(room)): every socket of a revoked user is cut, the others are untouched', async () => {
  const dir = new Directory();
  const node = await startNode(dir);
  const a1 = socketeer(node.url, 'alice');
  const a2 = official(node.url, 'alice');
  const c = socketeer(node.url, 'carol');
  try {
    await Promise.all([waitFor(a1, 'connect'), waitFor(a2, 'connect'), waitFor(c, 'connect')]);
    dir.roles.delete('alice');
    const errored = waitFor<[CredentialsError]>(a1, 'credentials_error');
    const d1 = waitFor<[string]>(a1, 'disconnect');
    const d2 = waitFor<[string]>(a2, 'disconnect');
    const before = dir.verifications;
    assert.deepEqual(await node.auth.reverify(node.io.in('user:alice')), { kept: 0, disconnected: 2 });
    assert.equal(dir.verifications - before, 2, 'carol was not re-verified');
    const [err] = await errored;
    assert.equal(err.message, 'access revoked');
    assert.deepEqual(err.data, { user: 'alice' });
    assert.equal((await d1)[0], 'credentials refused');
    assert.equal((await d2)[0], 'io server disconnect');
    assert.equal(c.connected, true);
    assert.equal(node.io.sockets.sockets.size, 1);
    // the whole namespace
    dir.roles.set('carol', 'owner');
    assert.deepEqual(await node.auth.reverify(node.io), { kept: 1, disconnected: 0 });
    assert.equal(node.io.sockets.sockets.get(c.id!)!.data.role, 'owner');
  } finally {
    for (const s of [a1, a2, c]) s.disconnect();
    await stopNode(node);
  }
});

test('reverify across two servers sharing a Redis adapter', async () => {
  const redis = await RedisServer.start();
  const clients: Redis[] = [];
  const adapter = () => {
    const pub = new Redis(redis.url);
    const sub = pub.duplicate();
    clients.push(pub, sub);
    return createAdapter(pub, sub, { requestsTimeout: 3000 });
  };
  const dir = new Directory();
  const n1 = await startNode(dir, { adapter: adapter() });
  const n2 = await startNode(dir, { adapter: adapter() });
  const onN1 = socketeer(n1.url, 'alice');
  const onN2a = socketeer(n2.url, 'alice');
  const onN2b = official(n2.url, 'alice');
  const other = official(n2.url, 'bob');
  try {
    await Promise.all([onN1, onN2a, onN2b, other].map((s) => waitFor(s, 'connect')));
    // the adapters see each other once both subscribed
    for (let i = 0; i < 50 && (await n1.io.in('user:alice').fetchSockets().catch(() => [])).length !== 3; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    dir.roles.set('alice', 'admin');
    assert.deepEqual(await n1.auth.reverify(n1.io.in('user:alice')), { kept: 3, disconnected: 0 });
    assert.equal(n2.io.sockets.sockets.get(onN2b.id!)!.data.role, 'admin');
    assert.equal(n2.io.sockets.sockets.get(onN2a.id!)!.data.role, 'admin');
    assert.equal(credentialsOf(n2.io.sockets.sockets.get(onN2a.id!)!)!.refreshes, 1);
    dir.roles.delete('alice');
    const cut = [onN1, onN2a, onN2b].map((s) => waitFor<[string]>(s, 'disconnect'));
    assert.deepEqual(await n1.auth.reverify(n1.io.in('user:alice')), { kept: 0, disconnected: 3 });
    const reasons = (await Promise.all(cut)).map((r) => r[0]);
    assert.deepEqual(reasons, ['credentials refused', 'credentials refused', 'io server disconnect']);
    assert.equal(other.connected, true);
  } finally {
    for (const s of [onN1, onN2a, onN2b, other]) s.disconnect();
    await stopNode(n1);
    await stopNode(n2);
    for (const c of clients) c.disconnect();
    await redis.stop();
  }
});

test('an authenticator only re-verifies the sockets of its own namespace', async () => {
  const dir = new Directory();
  const http = createServer();
  const io = new Server(http, { pingInterval: 500, pingTimeout: 1000 });
  const adminAuth = authenticate(io.of('/admin'), { verify: dir.verify });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const main = official(url, 'alice');
  const admin = official(url + '/admin', 'alice');
  try {
    await Promise.all([waitFor(main, 'connect'), waitFor(admin, 'connect')]);
    const before = dir.verifications;
    assert.deepEqual(await adminAuth.reverify(io), { kept: 0, disconnected: 0 });
    assert.equal(dir.verifications, before);
    assert.deepEqual(await adminAuth.reverify(io.of('/admin')), { kept: 1, disconnected: 0 });
    assert.equal(dir.verifications, before + 1);
    assert.throws(() => reverify(io.sockets.sockets.get(main.id!)!), /no authenticator/);
  } finally {
    main.disconnect();
    admin.disconnect();
    await io.close();
    http.closeAllConnections();
  }
});

test('dynamic namespaces: the authenticator of a parent namespace covers its children', async () => {
  const dir = new Directory();
  const http = createServer();
  const io = new Server(http, { pingInterval: 500, pingTimeout: 1000 });
  const auth = authenticate(io.of(/^\/room-\d+$/), { verify: dir.verify });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const ok = official(url + '/room-1', 'bob');
  const refused = official(url + '/room-2', 'mallory');
  try {
    await waitFor(ok, 'connect');
    const [err] = await waitFor<[Error]>(refused, 'connect_error');
    assert.equal(err.message, 'access revoked');
    const socket = io.of('/room-1').sockets.get(ok.id!)!;
    assert.equal(socket.data.user, 'bob');
    assert.equal(credentialsOf(socket)!.refreshable, false);
    dir.roles.set('bob', 'moderator');
    assert.deepEqual(await reverify(socket), { kept: 1, disconnected: 0 });
    assert.equal(socket.data.role, 'moderator');
    dir.roles.delete('bob');
    const cut = waitFor<[string]>(ok, 'disconnect');
    assert.deepEqual(await auth.reverify(io.of('/room-1')), { kept: 0, disconnected: 1 });
    assert.equal((await cut)[0], 'io server disconnect');
  } finally {
    ok.disconnect();
    refused.disconnect();
    await io.close();
    http.closeAllConnections();
  }
});

/**
 * Disconnect details: the server says why it cut a socket (`socketeer:disconnect` just before the DISCONNECT);
 * the official client receives an ordinary event, the Socketeer client gives the details with `disconnect` and
 * `socket.disconnectDetails` and hides the event from `onAny` and its listeners. Without details nothing changes
 * from socket.io.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { io as socketeerClient, type Socket as SocketeerSocket } from '../../src/client/index.js';
import { enableCredentialsRefresh } from '../../src/client/auth/index.js';
import { authenticate, rateLimit } from '../../src/server/auth/index.js';
import type { Socket } from '../../src/server/index.js';
import { startServer, waitFor } from './helpers.js';
import { openRaw } from './raw.js';

/** A Socketeer client that records what `onAny` and a listener of the internal event see. */
function recorded(url: string, opts: Parameters<typeof socketeerClient>[1] = {}) {
  const client = socketeerClient(url, { forceNew: true, reconnection: false, ...opts });
  const any: string[] = [];
  const internal: unknown[] = [];
  client.onAny((ev: string) => any.push(ev));
  (client as unknown as SocketeerSocket).on('socketeer:disconnect' as never, ((body: unknown) => internal.push(body)) as never);
  return { client, any, internal };
}

describe('disconnect details', () => {
  it('socket.disconnect(false, details): the official client gets the event just before "io server disconnect"', async () => {
    const h = await startServer();
    try {
      const c = h.client('/');
      const [[socket]] = await Promise.all([waitFor<[Socket]>(h.io, 'connection'), waitFor(c, 'connect')]);
      const order: unknown[] = [];
      c.onAny((...args) => order.push(args));
      c.on('disconnect', (reason) => order.push(reason));
      const server = waitFor<[string, unknown]>(socket, 'disconnect');
      const closed = waitFor(c, 'disconnect');
      socket.disconnect(false, { reason: 'kicked', message: 'Removed by a moderator', data: { by: 'ann' } });
      await closed;
      assert.deepEqual(order, [
        ['socketeer:disconnect', { reason: 'kicked', message: 'Removed by a moderator', data: { by: 'ann' } }],
        'io server disconnect',
      ]);
      const [serverReason, description] = await server;
      assert.equal(serverReason, 'server namespace disconnect');
      assert.deepEqual(description, { reason: 'kicked', message: 'Removed by a moderator', data: { by: 'ann' } });
    } finally {
      await h.close();
    }
  });

  it('the Socketeer client gives the details with disconnect and disconnectDetails; onAny and listeners never see the event', async () => {
    const h = await startServer();
    const { client, any, internal } = recorded(h.url);
    try {
      const [socket] = await waitFor<[Socket]>(h.io, 'connection');
      await waitFor(client, 'connect');
      socket.emit('hello', 1);
      await waitFor(client, 'hello');
      const closed = waitFor<[string, unknown]>(client, 'disconnect');
      socket.disconnect(false, { reason: 'rate limited', data: { retryAfter: 800 } });
      const [reason, description] = await closed;
      assert.equal(reason, 'io server disconnect');
      assert.deepEqual(description, { description: 'rate limited', context: { reason: 'rate limited', data: { retryAfter: 800 } } });
      assert.deepEqual(client.disconnectDetails, { reason: 'rate limited', data: { retryAfter: 800 } });
      assert.deepEqual(any, ['hello']);
      assert.deepEqual(internal, []);
      // the next disconnection without details clears them
      client.connect();
      const [again] = await waitFor<[Socket]>(h.io, 'connection');
      await waitFor(client, 'connect');
      const plain = waitFor<[string, unknown]>(client, 'disconnect');
      again.disconnect();
      assert.deepEqual(await plain, ['io server disconnect', undefined]);
      assert.equal(client.disconnectDetails, undefined);
    } finally {
      client.disconnect();
      await h.close();
    }
  });

  it('without details the wire is the reference one: a bare DISCONNECT, nothing before it', async () => {
    const h = await startServer();
    const peer = await openRaw(h.port);
    try {
      const conn = waitFor<[Socket]>(h.io, 'connection');
      peer.send('40');
      await peer.next((m) => m.startsWith('40'));
      const [socket] = await conn;
      const from = peer.messages.length;
      socket.disconnect();
      await peer.next((m) => m === '41');
      assert.deepEqual(peer.messages.slice(from).filter((m) => m !== '2'), ['41']);
      // with details: one EVENT, then the DISCONNECT
      const conn2 = waitFor<[Socket]>(h.io, 'connection');
      peer.send('40');
      await peer.next((m) => m.startsWith('40'));
      const [socket2] = await conn2;
      const from2 = peer.messages.length;
      socket2.disconnect(false, { reason: 'kicked' });
      await peer.next((m) => m === '41');
      assert.deepEqual(peer.messages.slice(from2).filter((m) => m !== '2'), ['42["socketeer:disconnect",{"reason":"kicked"}]', '41']);
    } finally {
      peer.close();
      await h.close();
    }
  });

  it('disconnect(true, details) tells every namespace of the connection, then closes it', async () => {
    const h = await startServer();
    h.io.of('/admin');
    const main = recorded(h.url);
    const admin = main.client.io.socket('/admin');
    try {
      const [socket] = await waitFor<[Socket]>(h.io, 'connection');
      admin.connect();
      await Promise.all([waitFor(main.client, 'connect'), waitFor(admin, 'connect')]);
      const closed = Promise.all([waitFor<[string]>(main.client, 'disconnect'), waitFor<[string]>(admin, 'disconnect')]);
      socket.disconnect(true, { reason: 'kicked' });
      assert.deepEqual((await closed).map(([r]) => r), ['io server disconnect', 'io server disconnect']);
      assert.deepEqual(main.client.disconnectDetails, { reason: 'kicked' });
      assert.deepEqual(admin.disconnectDetails, { reason: 'kicked' });
    } finally {
      main.client.disconnect();
      await h.close();
    }
  });

  it('bad details get a TypeError and the socket stays connected; data that cannot be encoded is left out', async () => {
    const h = await startServer();
    const { client } = recorded(h.url);
    try {
      const [socket] = await waitFor<[Socket]>(h.io, 'connection');
      await waitFor(client, 'connect');
      const bad: unknown[] = [null, 'kicked', [], {}, { reason: '' }, { reason: 42 }, { reason: 'x'.repeat(201) }, { reason: 'kicked', message: 1 }];
      for (const details of bad) {
        assert.throws(() => socket.disconnect(false, details as never), TypeError, JSON.stringify(details));
      }
      assert.equal(socket.connected, true);
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      const closed = waitFor<[string]>(client, 'disconnect');
      socket.disconnect(false, { reason: 'kicked', message: 'bye', data: circular });
      await closed;
      assert.deepEqual(client.disconnectDetails, { reason: 'kicked', message: 'bye' });
    } finally {
      client.disconnect();
      await h.close();
    }
  });

  it('the rate limit cuts with "rate limited" and retryAfter, for both clients', async () => {
    const h = await startServer();
    h.io.use(rateLimit({ points: 3, duration: 1000, tolerance: 3 }));
    h.io.on('connection', (socket) => socket.on('work', () => {}));
    const ours = recorded(h.url);
    const official = h.client('/', { transports: ['websocket'] });
    try {
      await Promise.all([waitFor(ours.client, 'connect'), waitFor(official, 'connect')]);
      const told = waitFor<[{ reason: string; data: { retryAfter: number } }]>(official, 'socketeer:disconnect');
      const cut = Promise.all([waitFor<[string]>(ours.client, 'disconnect'), waitFor<[string]>(official, 'disconnect')]);
      for (let i = 0; i < 20; i++) {
        ours.client.emit('work' as never);
        official.emit('work');
      }
      const [[ourReason], [officialReason]] = await cut;
      assert.equal(ourReason, 'io server disconnect');
      assert.equal(officialReason, 'io server disconnect');
      const [body] = await told;
      assert.equal(body.reason, 'rate limited');
      assert.ok(body.data.retryAfter > 0 && body.data.retryAfter <= 1000, JSON.stringify(body));
      assert.equal(ours.client.disconnectDetails?.reason, 'rate limited');
      assert.ok(((ours.client.disconnectDetails?.data as { retryAfter: number }).retryAfter ?? 0) > 0);
      assert.deepEqual(ours.any, []);
      assert.deepEqual(ours.internal, []);
    } finally {
      ours.client.disconnect();
      await h.close();
    }
  });

  it('credentials refused: the Socketeer client (refresh) and the official client (re-verification) get the details', async () => {
    const h = await startServer();
    const revoked = new Set<string>();
    const auth = authenticate(h.io, {
      verify: ({ token }) =>
        typeof token === 'string' && token !== 'bad' && !revoked.has(token)
          ? { expiresAt: Date.now() + 60000 }
          : Promise.reject(Object.assign(new Error('token revoked'), { data: { code: 'REVOKED' } })),
    });
    let token = 'ok';
    const client = enableCredentialsRefresh(
      socketeerClient(h.url, { forceNew: true, reconnection: false, autoConnect: false, auth: (cb) => cb({ token }) }),
    );
    const official = h.client('/', { auth: { token: 'official' } });
    try {
      client.connect();
      await Promise.all([waitFor(client, 'connect'), waitFor(official, 'connect')]);
      token = 'bad';
      const closed = waitFor<[string, unknown]>(client, 'disconnect');
      await assert.rejects(client.refreshCredentials(), /token revoked/);
      const [reason, description] = await closed;
      assert.equal(reason, 'credentials refused');
      const details = { reason: 'credentials refused', message: 'token revoked', data: { code: 'REVOKED' } };
      assert.deepEqual(client.disconnectDetails, details);
      assert.deepEqual(description, { description: 'credentials refused', context: details });
      // the official client does not refresh: its credentials are verified again, and refused
      revoked.add('official');
      const told = waitFor<[unknown]>(official, 'socketeer:disconnect');
      const officialClosed = waitFor<[string]>(official, 'disconnect');
      assert.deepEqual(await auth.reverify(h.io), { kept: 0, disconnected: 1 });
      assert.deepEqual(await told, [details]);
      assert.equal((await officialClosed)[0], 'io server disconnect');
    } finally {
      client.disconnect();
      await h.close();
    }
  });

  it('io.shutdown(): both clients are told "server shutting down" and then see the connection close', async () => {
    const h = await startServer();
    const ours = recorded(h.url, { transports: ['websocket'] });
    const official = h.client('/', { transports: ['websocket'] });
    try {
      await Promise.all([waitFor(ours.client, 'connect'), waitFor(official, 'connect')]);
      const told = waitFor<[unknown]>(official, 'socketeer:disconnect');
      const cut = Promise.all([waitFor<[string]>(ours.client, 'disconnect'), waitFor<[string]>(official, 'disconnect')]);
      await h.io.shutdown({ timeout: 3000 });
      assert.deepEqual(await told, [{ reason: 'server shutting down' }]);
      const [[ourReason], [officialReason]] = await cut;
      assert.equal(ourReason, 'transport close');
      assert.equal(officialReason, 'transport close');
      assert.deepEqual(ours.client.disconnectDetails, { reason: 'server shutting down' });
      assert.deepEqual(ours.any, []);
    } finally {
      ours.client.disconnect();
      await h.close().catch(() => {});
    }
  });
});

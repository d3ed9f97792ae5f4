/**
 * Credentials and connection state recovery: a recovered socket skips middlewares, so the authenticator checks the
 * CONNECT payload of the reconnection itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as officialClient } from 'socket.io-client';
import { Server } from '../../src/server/index.js';
import { authenticate, credentialsOf } from '../../src/server/auth/index.js';

async function start(valid: Set<string>) {
  const http = createServer();
  const io = new Server(http, { pingInterval: 500, pingTimeout: 1000, connectionStateRecovery: {} });
  const verified: string[] = [];
  const auth = authenticate(io, {
    verify: ({ token }) => {
      verified.push(String(token));
      if (!valid.has(String(token))) throw Object.assign(new Error('revoked'), { data: { token } });
      return { data: { token }, expiresAt: Date.now() + 60000 };
    },
  });
  const reasons: string[] = [];
  io.on('connection', (socket) => {
    socket.join('kept');
    // an event gives the client an offset to recover from
    socket.emit('hello');
    socket.on('disconnect', (r) => reasons.push(r));
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return { io, auth, verified, reasons, http, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

/** Drops the client's WebSocket as a network failure would. */
function dropTransport(client: { io: { engine: unknown } }): void {
  (client.io.engine as { transport: { ws: { terminate(): void } } }).transport.ws.terminate();
}

function waitFor<T extends unknown[] = any[]>(emitter: { once(ev: string, fn: (...args: any[]) => void): unknown }, ev: string, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout waiting for "${ev}"`)), ms);
    emitter.once(ev, (...args: any[]) => {
      clearTimeout(timer);
      resolve(args as T);
    });
  });
}

test('a recovered socket is verified with the credentials of its reconnection', async () => {
  const valid = new Set(['t1', 't2']);
  const h = await start(valid);
  let n = 0;
  const client = officialClient(h.url, {
    forceNew: true,
    transports: ['websocket'],
    reconnectionDelay: 50,
    reconnectionDelayMax: 50,
    auth: (cb) => cb({ token: ['t1', 't2', 't3'][n++] }),
  });
  try {
    await Promise.all([waitFor(client, 'connect'), waitFor(client, 'hello')]);
    const id = client.id;
    // the transport drops: the server keeps the session, the client reconnects with its next token
    dropTransport(client);
    await waitFor(client, 'connect');
    assert.equal(client.recovered, true);
    assert.equal(client.id, id);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(h.verified, ['t1', 't2']);
    const socket = h.io.sockets.sockets.get(id!)!;
    assert.equal(socket.data.token, 't2');
    assert.ok(credentialsOf(socket)!.expiresAt! > new Date());
    assert.ok(socket.rooms.has('kept'));

    // the next token is revoked: the recovered socket is cut at once
    const cut = waitFor<[string]>(client, 'disconnect', 5000);
    dropTransport(client);
    assert.equal((await cut)[0], 'transport close');
    const [reason] = await waitFor<[string]>(client, 'disconnect', 5000);
    assert.equal(reason, 'io server disconnect');
    assert.deepEqual(h.verified, ['t1', 't2', 't3']);
    assert.equal(h.reasons.at(-1), 'credentials refused');
  } finally {
    client.disconnect();
    await h.io.close();
    h.http.closeAllConnections();
  }
});

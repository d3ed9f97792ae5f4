/**
 * Disconnection reasons on both sides, heartbeat timeout, connectTimeout and server shutdown.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, waitFor, sleep, until } from './helpers.js';
import { openRaw } from './raw.js';
import type { Socket } from '../../src/server/index.js';

describe('disconnect reasons', () => {
  it('client socket.disconnect(): "client namespace disconnect", disconnecting fires first with the rooms', async () => {
    const h = await startServer();
    try {
      const conn = waitFor<[Socket]>(h.io, 'connection');
      const c = h.client('/');
      const [socket] = await conn;
      await waitFor(c, 'connect');
      socket.join('room');
      const order: string[] = [];
      socket.on('disconnecting', (reason) => order.push(`disconnecting:${reason}:${[...socket.rooms].includes('room')}`));
      const done = waitFor(socket, 'disconnect');
      socket.on('disconnect', (reason) => order.push(`disconnect:${reason}:${socket.rooms.size}`));
      const clientReason = waitFor(c, 'disconnect');
      c.disconnect();
      await done;
      assert.deepEqual(order, ['disconnecting:client namespace disconnect:true', 'disconnect:client namespace disconnect:0']);
      assert.equal((await clientReason)[0], 'io client disconnect');
      assert.equal(socket.connected, false);
      assert.equal(socket.disconnected, true);
      assert.equal(h.io.sockets.sockets.size, 0);
    } finally {
      await h.close();
    }
  });

  it('server socket.disconnect(): client gets "io server disconnect", server "server namespace disconnect"', async () => {
    const h = await startServer();
    try {
      const conn = waitFor<[Socket]>(h.io, 'connection');
      const c = h.client('/', { reconnection: true, reconnectionDelay: 10 });
      const [socket] = await conn;
      await waitFor(c, 'connect');
      const serverReason = waitFor(socket, 'disconnect');
      const clientReason = waitFor(c, 'disconnect');
      socket.disconnect();
      assert.equal((await serverReason)[0], 'server namespace disconnect');
      assert.equal((await clientReason)[0], 'io server disconnect');
      await sleep(100);
      // no automatic reconnection after a server-side disconnect
      assert.equal(h.io.sockets.sockets.size, 0);
      assert.equal(c.connected, false);
    } finally {
      await h.close();
    }
  });

  it('disconnect(true) closes the other namespaces of the connection too', async () => {
    const h = await startServer();
    try {
      h.io.of('/admin');
      const conn = waitFor<[Socket]>(h.io, 'connection');
      const c = h.client('/');
      const admin = c.io.socket('/admin');
      const [socket] = await conn;
      await Promise.all([waitFor(c, 'connect'), waitFor(admin, 'connect')]);
      const adminReason = waitFor(admin, 'disconnect');
      socket.disconnect(true);
      assert.equal((await adminReason)[0], 'io server disconnect');
      assert.equal(h.io.of('/admin').sockets.size, 0);
    } finally {
      await h.close();
    }
  });

  it('closing the Engine.IO connection from the client: "transport close"', async () => {
    const h = await startServer();
    try {
      const conn = waitFor<[Socket]>(h.io, 'connection');
      const c = h.client('/', { transports: ['websocket'] });
      const [socket] = await conn;
      await waitFor(c, 'connect');
      const reason = waitFor(socket, 'disconnect');
      (c.io.engine as unknown as { transport: { ws: { terminate(): void } } }).transport.ws.terminate();
      assert.equal((await reason)[0], 'transport close');
    } finally {
      await h.close();
    }
  });

  it('closing the Engine.IO connection from the server: "forced close"', async () => {
    const h = await startServer();
    try {
      const conn = waitFor<[Socket]>(h.io, 'connection');
      const c = h.client('/');
      const [socket] = await conn;
      await waitFor(c, 'connect');
      const reason = waitFor(socket, 'disconnect');
      const clientReason = waitFor(c, 'disconnect');
      socket.conn.close();
      assert.equal((await reason)[0], 'forced close');
      assert.equal((await clientReason)[0], 'transport close');
    } finally {
      await h.close();
    }
  });

  it('a client that does not answer pings: "ping timeout"', async () => {
    const h = await startServer({ pingInterval: 50, pingTimeout: 50 });
    try {
      const conn = waitFor<[Socket]>(h.io, 'connection');
      const peer = await openRaw(h.port, '', false);
      peer.send('40');
      const [socket] = await conn;
      const [reason] = await waitFor(socket, 'disconnect');
      assert.equal(reason, 'ping timeout');
      peer.close();
    } finally {
      await h.close();
    }
  });

  it('a client that answers pings stays connected past several intervals', async () => {
    const h = await startServer({ pingInterval: 50, pingTimeout: 400 });
    try {
      const c = h.client('/');
      await waitFor(c, 'connect');
      let pings = 0;
      c.io.on('ping', () => pings++);
      await until(() => pings >= 4);
      assert.equal(c.connected, true);
      assert.equal(h.io.sockets.sockets.size, 1);
    } finally {
      await h.close();
    }
  });

  it('io.close(): sockets get "server shutting down", clients see the transport close', async () => {
    const h = await startServer();
    const conn = waitFor<[Socket]>(h.io, 'connection');
    // over polling, the HTTP server closing its idle keep-alive connections races with the close packet
    const c = h.client('/', { transports: ['websocket'] });
    const [socket] = await conn;
    await waitFor(c, 'connect');
    const serverReason = waitFor(socket, 'disconnect');
    const clientReason = waitFor(c, 'disconnect');
    await h.io.close();
    assert.equal((await serverReason)[0], 'server shutting down');
    assert.equal((await clientReason)[0], 'transport close');
    await h.close();
  });
});

describe('connectTimeout', () => {
  it('closes a connection that joins no namespace in time', async () => {
    const h = await startServer({ connectTimeout: 100 });
    try {
      const peer = await openRaw(h.port);
      const started = Date.now();
      await peer.closed;
      assert.ok(Date.now() - started >= 80);
    } finally {
      await h.close();
    }
  });

  it('a rejected CONNECT does not count; an invalid namespace neither', async () => {
    const h = await startServer({ connectTimeout: 150 });
    try {
      h.io.use((_s, next) => next(new Error('no')));
      const peer = await openRaw(h.port);
      peer.send('40');
      assert.equal(await peer.next(), '44{"message":"no"}');
      peer.send('40/nope,');
      assert.equal(await peer.next(), '44/nope,{"message":"Invalid namespace"}');
      await peer.closed;
    } finally {
      await h.close();
    }
  });

  it('a successful CONNECT stops the timer', async () => {
    // long enough for the CONNECT to arrive in time on a busy machine
    const h = await startServer({ connectTimeout: 1000 });
    try {
      const peer = await openRaw(h.port);
      peer.send('40');
      assert.match(await peer.next(), /^40\{"sid":"[\w-]{20}"\}$/);
      await sleep(1500);
      assert.equal(peer.ws.readyState, peer.ws.OPEN);
      peer.close();
    } finally {
      await h.close();
    }
  });
});

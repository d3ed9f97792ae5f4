/**
 * Connection state recovery: pid and offsets on the wire, missed events replayed before the CONNECT reply,
 * rooms and data restored, only after recoverable disconnections.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, waitFor, sleep, until } from './helpers.js';
import { openRaw } from './raw.js';
import type { Socket } from '../../src/server/index.js';

const recovery = { connectionStateRecovery: { maxDisconnectionDuration: 1000 } };

describe('connection state recovery', () => {
  it('wire: pid in the CONNECT reply, offsets on plain events only, replay before the reply', async () => {
    const h = await startServer(recovery);
    try {
      let first!: Socket;
      h.io.on('connection', (socket) => {
        if (!socket.recovered) {
          first = socket;
          socket.join('r');
          socket.data = { user: 'alice' };
        }
      });
      const peer = await openRaw(h.port);
      peer.send('40');
      const reply = JSON.parse((await peer.next()).slice(2));
      assert.match(reply.sid, /^[\w-]{20}$/);
      assert.match(reply.pid, /^[\w-]{20}$/);
      assert.notEqual(reply.sid, reply.pid);
      first.emit('plain', 1);
      const plain = JSON.parse((await peer.next()).slice(2));
      assert.equal(plain.length, 3);
      assert.equal(plain[0], 'plain');
      assert.equal(typeof plain[2], 'string');
      const offset = plain[2] as string;
      first.volatile.emit('vol', 1);
      assert.equal(await peer.next(), '42["vol",1]');
      first.emit('ack', 1, () => {});
      assert.equal(await peer.next(), '420["ack",1]');
      // drop the transport: the session is kept
      const gone = waitFor(first, 'disconnect');
      peer.close();
      assert.equal((await gone)[0], 'transport close');
      h.io.emit('missed', 'all');
      h.io.to('r').emit('missed', 'room');
      h.io.except('r').emit('missed', 'not for you');
      h.io.to('other').emit('missed', 'other room');
      h.io.volatile.emit('missed', 'volatile');
      const peer2 = await openRaw(h.port);
      const conn = waitFor<[Socket]>(h.io, 'connection');
      peer2.send(`40{"pid":"${reply.pid}","offset":"${offset}","extra":1}`);
      const m1 = JSON.parse((await peer2.next()).slice(2));
      const m2 = JSON.parse((await peer2.next()).slice(2));
      assert.deepEqual([m1[0], m1[1]], ['missed', 'all']);
      assert.deepEqual([m2[0], m2[1]], ['missed', 'room']);
      assert.equal(await peer2.next(), `40{"sid":"${reply.sid}","pid":"${reply.pid}"}`);
      const [socket] = await conn;
      assert.equal(socket.recovered, true);
      assert.equal(socket.id, reply.sid);
      assert.deepEqual(socket.data, { user: 'alice' });
      assert.deepEqual([...socket.rooms].sort(), [reply.sid, 'r'].sort());
      assert.deepEqual(socket.handshake.auth, { pid: reply.pid, offset, extra: 1 });
      peer2.close();
    } finally {
      await h.close();
    }
  });

  it('reference client: missed events, rooms, data and recovered after a dropped transport; middlewares skipped', async () => {
    const h = await startServer(recovery);
    try {
      let middlewareRuns = 0;
      h.io.use((_s, next) => {
        middlewareRuns++;
        next();
      });
      const sockets: Socket[] = [];
      h.io.on('connection', (socket) => {
        sockets.push(socket);
        if (!socket.recovered) {
          socket.join('room1');
          socket.data = { n: 42 };
        }
      });
      const c = h.client('/', { transports: ['websocket'], reconnection: true, reconnectionDelay: 20, reconnectionDelayMax: 20 });
      const got: unknown[] = [];
      c.on('ev', (v: unknown) => got.push(v));
      await waitFor(c, 'connect');
      assert.equal(c.recovered, false);
      h.io.emit('ev', 'before');
      await until(() => got.length === 1);
      const firstId = c.id;
      const down = waitFor(sockets[0]!, 'disconnect');
      (c.io.engine as unknown as { transport: { ws: { terminate(): void } } }).transport.ws.terminate();
      await down;
      h.io.to('room1').emit('ev', 'missed-1');
      h.io.emit('ev', 'missed-2');
      await waitFor(c, 'connect');
      await until(() => got.length === 3);
      assert.equal(c.recovered, true);
      assert.equal(c.id, firstId);
      assert.deepEqual(got, ['before', 'missed-1', 'missed-2']);
      const restored = sockets[1]!;
      assert.equal(restored.recovered, true);
      assert.ok(restored.rooms.has('room1'));
      assert.deepEqual(restored.data, { n: 42 });
      assert.equal(middlewareRuns, 1);
      h.io.to('room1').emit('ev', 'after');
      await until(() => got.length === 4);
      assert.deepEqual(got, ['before', 'missed-1', 'missed-2', 'after']);
    } finally {
      await h.close();
    }
  });

  it('skipMiddlewares: false runs the middlewares on recovery', async () => {
    const h = await startServer({ connectionStateRecovery: { skipMiddlewares: false } });
    try {
      let runs = 0;
      h.io.use((_s, next) => {
        runs++;
        next();
      });
      const c = h.client('/', { transports: ['websocket'], reconnection: true, reconnectionDelay: 20, reconnectionDelayMax: 20 });
      await waitFor(c, 'connect');
      let gotX = false;
      c.on('x', () => (gotX = true));
      h.io.emit('x', 1);
      await until(() => gotX);
      (c.io.engine as unknown as { transport: { ws: { terminate(): void } } }).transport.ws.terminate();
      await waitFor(c, 'connect');
      assert.equal(c.recovered, true);
      assert.equal(runs, 2);
    } finally {
      await h.close();
    }
  });

  it('no recovery after a client namespace disconnect, with an unknown pid, or without an offset', async () => {
    const h = await startServer(recovery);
    try {
      const peer = await openRaw(h.port);
      peer.send('40');
      const reply = JSON.parse((await peer.next()).slice(2));
      h.io.emit('e', 1);
      const offset = JSON.parse((await peer.next()).slice(2))[2];
      peer.send('41');
      await sleep(50);
      for (const auth of [
        `{"pid":"${reply.pid}","offset":"${offset}"}`,
        `{"pid":"unknown","offset":"${offset}"}`,
        `{"pid":"${reply.pid}"}`,
      ]) {
        const p = await openRaw(h.port);
        p.send('40' + auth);
        const r = JSON.parse((await p.next()).slice(2));
        assert.notEqual(r.sid, reply.sid);
        assert.notEqual(r.pid, reply.pid);
        p.close();
      }
      peer.close();
    } finally {
      await h.close();
    }
  });

  it('a session expires after maxDisconnectionDuration', async () => {
    const h = await startServer({ connectionStateRecovery: { maxDisconnectionDuration: 50 } });
    try {
      const peer = await openRaw(h.port);
      peer.send('40');
      const reply = JSON.parse((await peer.next()).slice(2));
      h.io.emit('e', 1);
      const offset = JSON.parse((await peer.next()).slice(2))[2];
      peer.close();
      await sleep(120);
      const p = await openRaw(h.port);
      p.send(`40{"pid":"${reply.pid}","offset":"${offset}"}`);
      const r = JSON.parse((await p.next()).slice(2));
      assert.notEqual(r.sid, reply.sid);
      p.close();
    } finally {
      await h.close();
    }
  });

  it('without recovery the CONNECT reply is exactly {"sid":…} and events carry no offset', async () => {
    const h = await startServer();
    try {
      h.io.on('connection', (s) => s.emit('e', 1));
      const peer = await openRaw(h.port);
      peer.send('40');
      assert.match(await peer.next(), /^40\{"sid":"[\w-]{20}"\}$/);
      assert.equal(await peer.next(), '42["e",1]');
      peer.close();
    } finally {
      await h.close();
    }
  });
});

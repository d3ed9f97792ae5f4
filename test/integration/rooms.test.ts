/**
 * Rooms and every broadcast operator.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, waitFor, sleep, until, type Harness } from './helpers.js';
import type { Socket } from '../../src/server/index.js';
import type { Socket as ClientSocket } from 'socket.io-client';

/** Connects n clients; returns them with their server-side sockets (same order). */
async function connectMany(h: Harness, n: number, opts = {}): Promise<{ clients: ClientSocket[]; sockets: Socket[] }> {
  const clients: ClientSocket[] = [];
  const sockets: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const conn = waitFor<[Socket]>(h.io, 'connection');
    const c = h.client('/', opts);
    const [s] = await conn;
    await waitFor(c, 'connect');
    clients.push(c);
    sockets.push(s);
  }
  return { clients, sockets };
}

/**
 * Which clients get an event: waits for the expected number of deliveries, then a little more for extras.
 * @param expected the indexes expected (only its length is used to wait)
 */
async function whoGets(clients: ClientSocket[], event: string, act: () => void, expected: number[]): Promise<number[]> {
  const got: number[] = [];
  clients.forEach((c, i) => c.on(event, () => got.push(i)));
  act();
  await until(() => got.length >= expected.length);
  await sleep(expected.length === 0 ? 100 : 30);
  clients.forEach((c) => c.off(event));
  return got.sort();
}

describe('rooms', () => {
  it('join/leave/leaveAll and socket.rooms (own id included); adapter room events', async () => {
    const h = await startServer();
    try {
      const events: string[] = [];
      const adapter = h.io.of('/').adapter;
      adapter.on('create-room', (r: string) => events.push('create:' + r));
      adapter.on('join-room', (r: string) => events.push('join:' + r));
      adapter.on('leave-room', (r: string) => events.push('leave:' + r));
      adapter.on('delete-room', (r: string) => events.push('delete:' + r));
      const { sockets } = await connectMany(h, 1);
      const s = sockets[0]!;
      assert.deepEqual([...s.rooms], [s.id]);
      events.length = 0;
      s.join(['a', 'b']);
      s.join('a');
      assert.deepEqual([...s.rooms].sort(), [s.id, 'a', 'b'].sort());
      assert.deepEqual(events, ['create:a', 'join:a', 'create:b', 'join:b']);
      s.leave('a');
      assert.ok(!s.rooms.has('a'));
      assert.ok(!adapter.rooms.has('a'));
      s.leaveAll();
      assert.equal(s.rooms.size, 0);
      assert.ok(events.includes('delete:b'));
    } finally {
      await h.close();
    }
  });

  it('to/in/except, chained and with arrays; a socket in several rooms gets the event once', async () => {
    const h = await startServer();
    try {
      const { clients, sockets } = await connectMany(h, 4);
      sockets[0]!.join(['r1', 'r2']);
      sockets[1]!.join('r1');
      sockets[2]!.join('r2');
      assert.deepEqual(await whoGets(clients, 'e', () => h.io.to('r1').emit('e'), [0, 1]), [0, 1]);
      assert.deepEqual(await whoGets(clients, 'e', () => h.io.in(['r1', 'r2']).emit('e'), [0, 1, 2]), [0, 1, 2]);
      assert.deepEqual(await whoGets(clients, 'e', () => h.io.to('r1').to('r2').emit('e'), [0, 1, 2]), [0, 1, 2]);
      assert.deepEqual(await whoGets(clients, 'e', () => h.io.except('r1').emit('e'), [2, 3]), [2, 3]);
      assert.deepEqual(await whoGets(clients, 'e', () => h.io.to('r2').except('r1').emit('e'), [2]), [2]);
      assert.deepEqual(await whoGets(clients, 'e', () => h.io.except(['r1', 'r2']).emit('e'), [3]), [3]);
      assert.deepEqual(await whoGets(clients, 'e', () => h.io.to(sockets[3]!.id).emit('e'), [3]), [3]);
      assert.deepEqual(await whoGets(clients, 'e', () => h.io.emit('e'), [0, 1, 2, 3]), [0, 1, 2, 3]);
      // operators are immutable
      const base = h.io.to('r1');
      base.to('r2');
      assert.deepEqual(await whoGets(clients, 'e', () => base.emit('e'), [0, 1]), [0, 1]);
    } finally {
      await h.close();
    }
  });

  it('socket.broadcast and socket.to exclude the sender; namespaces do not share rooms', async () => {
    const h = await startServer();
    try {
      const { clients, sockets } = await connectMany(h, 3);
      for (const s of sockets) s.join('all');
      assert.deepEqual(await whoGets(clients, 'e', () => sockets[0]!.broadcast.emit('e'), [1, 2]), [1, 2]);
      assert.deepEqual(await whoGets(clients, 'e', () => sockets[1]!.to('all').emit('e'), [0, 2]), [0, 2]);
      assert.deepEqual(await whoGets(clients, 'e', () => sockets[1]!.except(sockets[2]!.id).emit('e'), [0]), [0]);
      assert.deepEqual(await whoGets(clients, 'e', () => h.io.of('/other').to('all').emit('e'), []), []);
    } finally {
      await h.close();
    }
  });

  it('local, compress and volatile flags reach the adapter and the transport', async () => {
    const h = await startServer();
    try {
      const { clients, sockets } = await connectMany(h, 2, { transports: ['websocket'] });
      const adapter = h.io.of('/').adapter;
      const seen: unknown[] = [];
      const original = adapter.broadcast.bind(adapter);
      adapter.broadcast = (packet, opts) => {
        seen.push({ ...opts.flags });
        original(packet, opts);
      };
      assert.deepEqual(await whoGets(clients, 'e', () => h.io.local.emit('e'), [0, 1]), [0, 1]);
      assert.deepEqual(seen.pop(), { local: true });
      assert.deepEqual(await whoGets(clients, 'e', () => sockets[0]!.local.emit('e'), [1]), [1]);
      const options: unknown[] = [];
      sockets[1]!.conn.on('packetCreate', (p: { type: string; options?: { compress?: boolean } }) => {
        if (p.type === 'message') options.push(p.options?.compress);
      });
      assert.deepEqual(await whoGets(clients, 'e', () => h.io.compress(false).emit('e'), [0, 1]), [0, 1]);
      assert.deepEqual(seen.pop(), { compress: false });
      assert.deepEqual(await whoGets(clients, 'e', () => h.io.emit('e'), [0, 1]), [0, 1]);
      sockets[1]!.compress(false).emit('f');
      await until(() => options.length === 3);
      assert.deepEqual(options, [false, true, false]);
      // a volatile packet goes only to clients with no write in flight (the `f` above may still be)
      await until(() => sockets.every((s) => s.conn.transport.writable));
      assert.deepEqual(await whoGets(clients, 'e', () => h.io.volatile.emit('e'), [0, 1]), [0, 1]);
      assert.deepEqual(seen.pop(), { volatile: true });
    } finally {
      await h.close();
    }
  });

  it('volatile packets are dropped while a polling transport is not writable; others are queued', async () => {
    const h = await startServer();
    try {
      const { clients, sockets } = await connectMany(h, 1, { transports: ['polling'] });
      const c = clients[0]!;
      const s = sockets[0]!;
      await until(() => s.conn.transport.writable); // a GET is pending
      const volatileGot: number[] = [];
      c.on('v', (n: number) => volatileGot.push(n));
      for (let i = 0; i < 10; i++) s.volatile.emit('v', i);
      const got: number[] = [];
      c.on('n', (n: number) => got.push(n));
      for (let i = 0; i < 10; i++) s.emit('n', i);
      await until(() => got.length === 10);
      await sleep(50);
      assert.deepEqual(volatileGot, [0]);
      assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const broadcastGot: number[] = [];
      c.on('bv', (n: number) => broadcastGot.push(n));
      await until(() => s.conn.transport.writable);
      for (let i = 0; i < 10; i++) h.io.volatile.emit('bv', i);
      await until(() => broadcastGot.length >= 1);
      await sleep(100);
      assert.deepEqual(broadcastGot, [0]);
    } finally {
      await h.close();
    }
  });

  it('fetchSockets, allSockets, socketsJoin, socketsLeave, disconnectSockets', async () => {
    const h = await startServer();
    try {
      const { clients, sockets } = await connectMany(h, 3);
      sockets[0]!.join('r');
      sockets[1]!.join('r');
      sockets[0]!.data = { name: 'zero' };
      const fetched = await h.io.in('r').fetchSockets();
      assert.deepEqual(fetched.map((s) => s.id).sort(), [sockets[0]!.id, sockets[1]!.id].sort());
      const zero = fetched.find((s) => s.id === sockets[0]!.id)!;
      assert.deepEqual(zero.data, { name: 'zero' });
      assert.ok(zero.rooms.has('r'));
      assert.equal(zero.handshake.auth.constructor, Object);
      assert.equal((await h.io.except('r').fetchSockets()).length, 1);
      assert.deepEqual([...(await h.io.in('r').allSockets())].sort(), [sockets[0]!.id, sockets[1]!.id].sort());
      assert.equal((await h.io.allSockets()).size, 3);
      h.io.in('r').socketsJoin(['x', 'y']);
      assert.ok(sockets[0]!.rooms.has('x') && sockets[1]!.rooms.has('y') && !sockets[2]!.rooms.has('x'));
      h.io.socketsLeave('x');
      assert.ok(!sockets[0]!.rooms.has('x') && sockets[0]!.rooms.has('y'));
      // remote-socket style operations on the fetched instances
      zero.join('z');
      assert.ok(sockets[0]!.rooms.has('z'));
      zero.leave('z');
      assert.ok(!sockets[0]!.rooms.has('z'));
      const reasons = Promise.all([waitFor(clients[0]!, 'disconnect'), waitFor(clients[1]!, 'disconnect')]);
      h.io.in('r').disconnectSockets();
      const [[r0], [r1]] = await reasons;
      assert.equal(r0, 'io server disconnect');
      assert.equal(r1, 'io server disconnect');
      assert.equal(h.io.sockets.sockets.size, 1);
      assert.equal(clients[2]!.connected, true);
      // close = true ends the whole connection
      const closed = waitFor(clients[2]!, 'disconnect');
      h.io.disconnectSockets(true);
      assert.equal((await closed)[0], 'io server disconnect');
      const engine = h.io.engine as unknown as { clientsCount: number };
      for (let i = 0; i < 100 && engine.clientsCount > 0; i++) await sleep(10);
      assert.equal(engine.clientsCount, 0);
    } finally {
      await h.close();
    }
  });

  it('send/write emit "message"; reserved event names throw', async () => {
    const h = await startServer();
    try {
      const { clients, sockets } = await connectMany(h, 1);
      const c = clients[0]!;
      const got: unknown[] = [];
      c.on('message', (...args: unknown[]) => got.push(args));
      sockets[0]!.send('a', 1);
      sockets[0]!.write('b');
      h.io.send('c');
      h.io.write('d');
      h.io.of('/').send('e');
      await until(() => got.length === 5);
      assert.deepEqual(got, [['a', 1], ['b'], ['c'], ['d'], ['e']]);
      for (const name of ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']) {
        assert.throws(() => sockets[0]!.emit(name), /reserved event name/);
        assert.throws(() => h.io.emit(name), /reserved event name/);
        assert.throws(() => h.io.to('r').emit(name), /reserved event name/);
      }
      assert.throws(() => h.io.serverSideEmit('connection'), /reserved event name/);
    } finally {
      await h.close();
    }
  });

  it('a broadcast is encoded once and each part shares one frame across recipients', async () => {
    const h = await startServer();
    try {
      const { clients, sockets } = await connectMany(h, 3, { transports: ['websocket'] });
      let encodes = 0;
      const encode = h.io.encoder.encode;
      (h.io as { encoder: { encode: typeof encode } }).encoder.encode = (packet) => {
        encodes++;
        return encode(packet);
      };
      const sent: Array<Array<{ shared?: { ws?: unknown } }>> = sockets.map(() => []);
      sockets.forEach((s, i) => {
        const send = s.conn.send.bind(s.conn);
        s.conn.send = ((data: string | Uint8Array, opts?: { shared?: { ws?: unknown } }) => {
          sent[i]!.push(opts ?? {});
          return send(data, opts as Parameters<typeof send>[1]);
        }) as typeof s.conn.send;
      });
      const arrived = Promise.all(clients.map((c) => waitFor(c, 'pic')));
      h.io.emit('pic', Buffer.from([1, 2, 3]), 'caption');
      const got = await arrived;
      assert.equal(encodes, 1);
      got.forEach(([b, caption]) => {
        assert.deepEqual([...new Uint8Array(b)], [1, 2, 3]);
        assert.equal(caption, 'caption');
      });
      // two parts (header + attachment), the same shared object per part for every recipient, framed once
      for (const perSocket of sent) assert.equal(perSocket.length, 2);
      for (const part of [0, 1]) {
        const shared = sent[0]![part]!.shared;
        assert.ok(shared && shared.ws !== undefined);
        for (const perSocket of sent) assert.equal(perSocket[part]!.shared, shared);
      }
      assert.notEqual(sent[0]![0]!.shared, sent[0]![1]!.shared);
    } finally {
      await h.close();
    }
  });

  it('no state is left once clients are gone (accepted, refused and dropped ones)', async () => {
    const h = await startServer();
    try {
      h.io.of('/guarded').use((s, next) => (s.handshake.auth.ok ? next() : next(new Error('no'))));
      const admitted = [];
      for (let i = 0; i < 10; i++) {
        const c = h.client('/', { transports: i % 2 ? ['websocket'] : ['polling', 'websocket'] });
        const g = c.io.socket('/guarded', { auth: { ok: i % 3 !== 0 } });
        admitted.push(c, g);
      }
      await until(() => h.io.sockets.sockets.size === 10 && h.io.of('/guarded').sockets.size === 6);
      for (const s of h.io.sockets.sockets.values()) s.join(['a', 'b']);
      for (const c of admitted.slice(0, 10)) c.disconnect();
      for (const s of [...h.io.sockets.sockets.values()]) s.disconnect(true);
      const engine = h.io.engine;
      await until(() => engine.clientsCount === 0);
      for (const name of ['/', '/guarded']) {
        const nsp = h.io.of(name);
        assert.equal(nsp.sockets.size, 0);
        assert.equal(nsp.adapter.rooms.size, 0);
        assert.equal(nsp.adapter.sids.size, 0);
        assert.equal((nsp as unknown as { preConnectSockets: Map<string, unknown> }).preConnectSockets.size, 0);
      }
    } finally {
      await h.close();
    }
  });

  it('serverSideEmit with a single server: the ack gets no responses', async () => {
    const h = await startServer();
    try {
      assert.deepEqual(await h.io.serverSideEmitWithAck('ping'), []);
    } finally {
      await h.close();
    }
  });
});

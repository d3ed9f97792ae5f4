// socketeer/postgres in a cluster: two of our nodes, and our node mixed with an @socket.io/postgres-adapter node in
// both directions, on a private database: broadcasts (rooms, except, large, binary), broadcasts with acks,
// fetchSockets, serverSideEmit with acks, socketsJoin/Leave, disconnectSockets; @socket.io/postgres-emitter from
// outside the servers.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { Server as IoServer } from 'socket.io';
import { io as ioc, type Socket as ClientSocket } from 'socket.io-client';
import { createAdapter as officialAdapter } from '@socket.io/postgres-adapter';
import { Emitter as OfficialEmitter } from '@socket.io/postgres-emitter';
import { Server } from '../../src/server/index.js';
import { createAdapter, Emitter } from '../../src/server/adapters/postgres/index.js';
import { TestDatabase, waitFor } from './engines/postgres.js';

type AnyServer = Server | IoServer;

interface Node {
  name: string;
  io: AnyServer;
  http: HttpServer;
  pool: pg.Pool;
  url: string;
}

async function startNode(db: TestDatabase, name: string, kind: 'ours' | 'official'): Promise<Node> {
  const pool = db.pool();
  const http = createServer();
  const opts = { heartbeatInterval: 500, heartbeatTimeout: 3000 };
  const io: AnyServer = kind === 'ours'
    ? new Server(http, { adapter: createAdapter(pool, { ...opts, requestsTimeout: 5000 }) })
    : new IoServer(http, { adapter: officialAdapter(pool, opts) });
  io.on('connection', (socket) => {
    socket.data.node = name;
    socket.on('join', (room: string, cb: () => void) => { void socket.join(room); cb(); });
  });
  io.on('ping', (...args: unknown[]) => {
    const cb = args[args.length - 1];
    if (typeof cb === 'function') (cb as (v: string) => void)(`pong from ${name}`);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return { name, io, http, pool, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

async function stopNode(node: Node): Promise<void> {
  await new Promise<void>((r) => { void node.io.close(() => r()); });
  await node.pool.end();
}

async function connect(node: Node): Promise<ClientSocket> {
  const socket = ioc(node.url, { transports: ['websocket'], reconnection: false });
  socket.on('ack-me', (n: number, cb: (v: string) => void) => cb(`${node.name}:${n}`));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

function received(socket: ClientSocket): unknown[][] {
  const got: unknown[][] = [];
  socket.onAny((...args: unknown[]) => { got.push(args); });
  return got;
}

async function join(socket: ClientSocket, room: string): Promise<void> {
  await socket.timeout(10_000).emitWithAck('join', room);
}

/** Every operation from `a` towards `b`'s sockets (and from `b` to `a` where the operation is mirrored). */
function defineOperations(label: string, kinds: ['ours' | 'official', 'ours' | 'official']): void {
  describe(label, () => {
    let db: TestDatabase;
    let a: Node;
    let b: Node;

    before(async () => {
      db = await TestDatabase.create();
      a = await startNode(db, 'A', kinds[0]);
      b = await startNode(db, 'B', kinds[1]);
      await waitFor(async () => (await a.io.of('/').adapter.serverCount()) === 2 &&
        (await b.io.of('/').adapter.serverCount()) === 2, 20_000, 'both nodes to know each other');
    });

    after(async () => {
      await stopNode(a);
      await stopNode(b);
      await db.drop();
    });

    it('broadcasts cross both ways, with rooms and except, large and binary', async () => {
      const ca = await connect(a);
      const cb1 = await connect(b);
      const cb2 = await connect(b);
      await join(cb1, 'red');
      await join(cb2, 'red');
      await join(cb2, 'muted');
      await join(ca, 'red');
      const [ga, gb1, gb2] = [received(ca), received(cb1), received(cb2)];
      const big = 'L'.repeat(12_000);
      a.io.to('red').except('muted').emit('from-a', 1);
      a.io.emit('large-a', big);
      a.io.emit('bin-a', Buffer.from([1, 2]));
      b.io.to('red').emit('from-b', 2);
      b.io.except('muted').emit('bin-b', Buffer.from([3]));
      await waitFor(() => gb1.length === 5 && gb2.length === 3 && ga.length === 5, 20_000, 'every broadcast');
      const names = (g: unknown[][]): string[] => g.map((e) => e[0] as string).sort();
      assert.deepEqual(names(gb1), ['bin-a', 'bin-b', 'from-a', 'from-b', 'large-a'].sort());
      assert.deepEqual(names(gb2), ['bin-a', 'from-b', 'large-a'].sort());
      assert.deepEqual(names(ga), ['bin-a', 'bin-b', 'from-a', 'from-b', 'large-a'].sort());
      assert.equal(gb1.find((e) => e[0] === 'large-a')![1], big);
      assert.deepEqual([...new Uint8Array(gb1.find((e) => e[0] === 'bin-a')![1] as ArrayBuffer)], [1, 2]);
      assert.deepEqual([...new Uint8Array(ga.find((e) => e[0] === 'bin-b')![1] as ArrayBuffer)], [3]);
      for (const s of [ca, cb1, cb2]) s.close();
    });

    it('broadcasts with acks count the clients of both nodes', async () => {
      const sockets = [await connect(a), await connect(b), await connect(b)];
      for (const [from, expected] of [[a, ['A:7', 'B:7', 'B:7']], [b, ['A:7', 'B:7', 'B:7']]] as const) {
        const answers = await from.io.timeout(10_000).emitWithAck('ack-me', 7) as string[];
        assert.deepEqual([...answers].sort(), expected);
      }
      for (const s of sockets) s.close();
    });

    it('fetchSockets returns the other node\'s sockets with rooms and data; remote socket operations apply', async () => {
      const ca = await connect(a);
      const cb = await connect(b);
      await join(cb, 'blue');
      for (const [from, other, theirs] of [[a, 'B', cb], [b, 'A', ca]] as const) {
        const sockets = await from.io.in(theirs.id!).fetchSockets();
        assert.equal(sockets.length, 1);
        assert.equal(sockets[0].id, theirs.id);
        assert.equal(sockets[0].data.node, other);
        if (other === 'B') assert.ok(sockets[0].rooms.has('blue'));
        const got = received(theirs);
        sockets[0].emit('direct', 'hi');
        await waitFor(() => got.length === 1, 20_000, 'the remote emit');
        assert.deepEqual(got[0], ['direct', 'hi']);
        theirs.offAny();
      }
      const all = await a.io.fetchSockets();
      assert.deepEqual(all.map((s) => s.id).sort(), [ca.id, cb.id].sort());
      ca.close();
      cb.close();
    });

    it('serverSideEmit reaches the other node, with acks both ways', async () => {
      const seen: unknown[] = [];
      b.io.on('note', (v: unknown) => seen.push(v));
      a.io.serverSideEmit('note', 'from A');
      await waitFor(() => seen.length === 1, 20_000, 'the note');
      assert.deepEqual(seen, ['from A']);
      const fromA = await a.io.serverSideEmitWithAck('ping');
      assert.deepEqual(fromA, ['pong from B']);
      const fromB = await b.io.serverSideEmitWithAck('ping');
      assert.deepEqual(fromB, ['pong from A']);
    });

    it('socketsJoin, socketsLeave and disconnectSockets apply on the other node', async () => {
      const ca = await connect(a);
      const cb = await connect(b);
      a.io.in(cb.id!).socketsJoin('green');
      await waitFor(async () => (await b.io.in('green').fetchSockets()).length === 1, 20_000, 'the remote join');
      b.io.in(ca.id!).socketsJoin('green');
      await waitFor(async () => (await a.io.in('green').fetchSockets()).length === 2, 20_000, 'both in green');
      a.io.in('green').socketsLeave('green');
      await waitFor(async () => (await b.io.in('green').fetchSockets()).length === 0, 20_000, 'the remote leave');
      const closed = [new Promise((r) => cb.once('disconnect', r)), new Promise((r) => ca.once('disconnect', r))];
      a.io.in(cb.id!).disconnectSockets();
      await closed[0];
      b.io.disconnectSockets(true);
      await closed[1];
    });

    it('@socket.io/postgres-emitter (no server in its process) reaches the clients of our nodes', async () => {
      const ca = await connect(a);
      const cb = await connect(b);
      await join(ca, 'emit-room');
      await join(cb, 'emit-room');
      const [ga, gb] = [received(ca), received(cb)];
      const emitterPool = db.pool(2);
      const emitter = new OfficialEmitter(emitterPool);
      emitter.to('emit-room').emit('from-emitter', 'x', Buffer.from([5]));
      const ours = [kinds[0] === 'ours' ? ga : null, kinds[1] === 'ours' ? gb : null].filter((g) => g !== null);
      await waitFor(() => ours.every((g) => g.length === 1), 20_000, 'the emitter\'s broadcast');
      for (const g of ours) {
        assert.equal(g[0][0], 'from-emitter');
        assert.deepEqual([...new Uint8Array(g[0][2] as ArrayBuffer)], [5]);
      }
      await emitterPool.end();
      ca.close();
      cb.close();
    });

    it('the socketeer/postgres Emitter reaches the clients and servers of both nodes', async () => {
      const ca = await connect(a);
      const cb = await connect(b);
      await join(ca, 'e-room');
      await join(cb, 'e-room');
      const [ga, gb] = [received(ca), received(cb)];
      const notes: unknown[] = [];
      for (const node of [a, b]) node.io.on('from-emitter', (v: unknown) => notes.push(v));
      const emitterPool = db.pool(2);
      const emitter = new Emitter(emitterPool);
      const big = 'E'.repeat(10_000);
      emitter.to('e-room').except('nobody').emit('e1', Buffer.from([6]));
      emitter.to('e-room').emit('e2', big);
      emitter.in(cb.id!).socketsJoin('e-joined');
      emitter.to('e-joined').emit('e3');
      emitter.serverSideEmit('from-emitter', 42);
      await waitFor(() => ga.length === 2 && gb.length === 3 && notes.length === 2, 20_000, 'what the emitter sent');
      // (an official node delivers attachments as it reads them: the order is checked on ours only)
      const byName = (g: unknown[][]): Map<unknown, unknown[]> => new Map(g.map((e) => [e[0], e.slice(1)]));
      assert.deepEqual([...byName(ga).keys()].sort(), ['e1', 'e2']);
      assert.deepEqual([...byName(gb).keys()].sort(), ['e1', 'e2', 'e3']);
      if (kinds[1] === 'ours') assert.deepEqual(gb.map((e) => e[0]), ['e1', 'e2', 'e3']);
      assert.deepEqual([...new Uint8Array(byName(gb).get('e1')![0] as ArrayBuffer)], [6]);
      assert.equal(byName(ga).get('e2')![0], big);
      assert.deepEqual(notes, [42, 42]);
      const gone = [new Promise((r) => ca.once('disconnect', r)), new Promise((r) => cb.once('disconnect', r))];
      emitter.of('/').disconnectSockets(true);
      await Promise.all(gone);
      await emitterPool.end();
    });
  });
}

defineOperations('socketeer/postgres: two of our nodes', ['ours', 'ours']);
defineOperations('socketeer/postgres (A) with an @socket.io/postgres-adapter node (B)', ['ours', 'official']);
defineOperations('@socket.io/postgres-adapter (A) with a socketeer/postgres node (B)', ['official', 'ours']);

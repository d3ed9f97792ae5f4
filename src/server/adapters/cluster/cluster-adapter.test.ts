/**
 * The cluster core on an in-process bus: three real servers on 127.0.0.1 sharing one EventEmitter, every
 * cross-node operation, membership, and recovery through a shared in-memory session store.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as ioc, type Socket as ClientSocket } from 'socket.io-client';
import { Server } from '../../index.js';
import type { AdapterNamespace } from '../../adapter-types.js';
import { LocalBus, LocalBusAdapter } from '../../../../test/cluster/local-bus.js';
import { MessageType, type ClusterMessage, type ClusterResponse } from './messages.js';
import { MemorySessionStore } from './session-store.js';

interface Node {
  io: Server;
  http: HttpServer;
  url: string;
}

async function startNode(name: string, bus: LocalBus, store: MemorySessionStore, recovery = true): Promise<Node> {
  const http = createServer();
  const io = new Server(http, {
    pingInterval: 1000, pingTimeout: 2000,
    connectionStateRecovery: recovery ? { maxDisconnectionDuration: 30_000, skipMiddlewares: true } : undefined,
    adapter: (nsp: AdapterNamespace) => new LocalBusAdapter(nsp, bus, { sessionStore: store, heartbeatInterval: 200, heartbeatTimeout: 1500 }),
  });
  io.on('connection', (socket) => {
    if (socket.handshake.query.room) socket.join(String(socket.handshake.query.room));
    socket.data = { node: name };
    socket.on('ask', (cb: (v: string) => void) => cb(`${name}:${socket.id}`));
  });
  io.on('ping-node', (arg: unknown, cb?: (v: unknown) => void) => cb?.(`${name}-${String(arg)}`));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return { io, http, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

interface Client {
  socket: ClientSocket;
  events: unknown[][];
}

function connect(url: string, query: Record<string, string> = {}): Promise<Client> {
  const socket = ioc(url, { transports: ['websocket'], forceNew: true, query, reconnectionDelay: 50, reconnectionDelayMax: 100 });
  const events: unknown[][] = [];
  socket.onAny((...args: unknown[]) => events.push(args));
  socket.on('ask', (cb: (v: string) => void) => cb(`client:${socket.id}`));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no connection')), 10_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve({ socket, events });
    });
  });
}

async function until<T>(pred: () => T | undefined | false, what: string, timeout = 10_000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = pred();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function untilCount(n: Node, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await n.io.of('/').adapter.serverCount()) !== count) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} servers`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const names = (c: Client, event: string): unknown[][] => c.events.filter((e) => e[0] === event).map((e) => e.slice(1));

describe('cluster core on an in-process bus', () => {
  const bus = new LocalBus();
  const store = new MemorySessionStore();
  const nodes: Node[] = [];
  const clients: Client[] = [];
  let a: Client, b: Client, c: Client;

  before(async () => {
    for (const name of ['n0', 'n1', 'n2']) nodes.push(await startNode(name, bus, store));
    a = await connect(nodes[0]!.url, { room: 'red' });
    b = await connect(nodes[1]!.url, { room: 'red' });
    c = await connect(nodes[2]!.url, { room: 'blue' });
    clients.push(a, b, c);
    for (const n of nodes) await untilCount(n, 3);
  });

  after(async () => {
    for (const cl of clients) cl.socket.disconnect();
    for (const n of nodes) {
      await n.io.close();
      n.http.closeAllConnections();
    }
  });

  it('broadcasts with rooms and except reach the sockets of every node', async () => {
    nodes[0]!.io.to('red').emit('r', 1);
    nodes[1]!.io.except('red').emit('e', 2);
    nodes[2]!.io.emit('all', 3);
    await until(() => names(a, 'all').length && names(b, 'all').length && names(c, 'all').length, 'all');
    await until(() => names(a, 'r').length && names(b, 'r').length && names(c, 'e').length, 'rooms');
    assert.equal(names(c, 'r').length, 0);
    assert.equal(names(a, 'e').length + names(b, 'e').length, 0);
    // with recovery on, the offset is last
    assert.equal(names(a, 'r')[0]![0], 1);
    assert.equal(typeof names(a, 'r')[0]![1], 'string');
  });

  it('keeps the order of 1,000 broadcasts on every node', async () => {
    for (let i = 0; i < 1000; i++) nodes[1]!.io.emit('seq', i);
    for (const cl of clients) {
      await until(() => names(cl, 'seq').length === 1000, 'seq');
      assert.deepEqual(names(cl, 'seq').map((e) => e[0]), [...Array(1000).keys()]);
    }
  });

  it('fetchSockets, serverSideEmit with acks and broadcasts with acks count every node', async () => {
    const sockets = await nodes[0]!.io.fetchSockets();
    assert.deepEqual(sockets.map((s) => s.id).sort(), [a, b, c].map((x) => x.socket.id).sort());
    const red = await nodes[2]!.io.in('red').fetchSockets();
    assert.deepEqual(red.map((s) => (s.data as { node: string }).node).sort(), ['n0', 'n1']);
    const answers = await nodes[0]!.io.serverSideEmitWithAck('ping-node', 'x');
    assert.deepEqual([...answers].sort(), ['n1-x', 'n2-x']);
    const acks = await nodes[1]!.io.timeout(5000).emitWithAck('ask');
    assert.deepEqual((acks as string[]).sort(), [a, b, c].map((x) => `client:${x.socket.id}`).sort());
  });

  it('remote join, leave and disconnect', async () => {
    nodes[2]!.io.in('red').socketsJoin('green');
    await until(() => nodes[0]!.io.of('/').adapter.rooms.get('green')?.has(a.socket.id!), 'join');
    nodes[0]!.io.to('green').emit('g');
    await until(() => names(b, 'g').length === 1, 'green');
    nodes[1]!.io.in('green').socketsLeave('green');
    await until(() => !nodes[0]!.io.of('/').adapter.rooms.has('green'), 'leave');
    const d = await connect(nodes[0]!.url, { room: 'doomed' });
    const gone = new Promise<string>((r) => d.socket.once('disconnect', r));
    nodes[2]!.io.in('doomed').disconnectSockets(true);
    assert.equal(await gone, 'io server disconnect');
  });

  it('remote disconnect with details: the client on the other node is told why just before the DISCONNECT', async () => {
    const d = await connect(nodes[0]!.url, { room: 'kicked' });
    const order: unknown[] = [];
    d.socket.onAny((...args: unknown[]) => order.push(args));
    d.socket.on('disconnect', (reason) => order.push(reason));
    const gone = new Promise<string>((r) => d.socket.once('disconnect', r));
    const from = bus.seen.length;
    assert.throws(() => nodes[2]!.io.in('kicked').disconnectSockets(false, { reason: '' }), TypeError);
    nodes[2]!.io.in('kicked').disconnectSockets(false, { reason: 'kicked', message: 'bye', data: { by: 'n2' } });
    await gone;
    assert.deepEqual(order, [['socketeer:disconnect', { reason: 'kicked', message: 'bye', data: { by: 'n2' } }], 'io server disconnect']);
    // one message on the bus, carrying the details as an extra field (nothing was sent for the refused call)
    const sent = bus.seen.slice(from).filter((m) => m.type === MessageType.DISCONNECT_SOCKETS);
    assert.equal(sent.length, 1);
    assert.deepEqual((sent[0]!.data as { details?: unknown }).details, { reason: 'kicked', message: 'bye', data: { by: 'n2' } });
    // and through a RemoteSocket of fetchSockets()
    const e = await connect(nodes[1]!.url, { room: 'banned' });
    const told = new Promise<unknown>((r) => e.socket.once('socketeer:disconnect', r));
    const [remote] = await nodes[0]!.io.in('banned').fetchSockets();
    remote!.disconnect(true, { reason: 'banned' });
    assert.deepEqual(await told, { reason: 'banned' });
  });

  it('a client recovers its session on another node with the broadcasts it missed', async () => {
    const r = await connect(nodes[0]!.url, { room: 'news' });
    nodes[1]!.io.to('news').emit('news', 'first');
    await until(() => names(r, 'news').length === 1, 'first');
    const { pid, offset } = { pid: (r.socket as unknown as { _pid: string })._pid, offset: (r.socket as unknown as { _lastOffset: string })._lastOffset };
    assert.equal(typeof pid, 'string');
    // a lost connection (not a voluntary disconnection) keeps the session
    r.socket.io.reconnection(false);
    r.socket.io.engine.close();
    await until(() => !nodes[0]!.io.of('/').sockets.has(r.socket.id ?? ''), 'gone');
    nodes[2]!.io.to('news').emit('news', 'missed-1');
    nodes[0]!.io.to('news').emit('news', 'missed-2');
    nodes[0]!.io.to('other').emit('news', 'not-for-me');
    await until(() => bus.seen.filter((m) => m.type === MessageType.BROADCAST).length > 0, 'published');
    // the reference client sends its pid and last offset in its CONNECT packet when it has them
    const r2 = ioc(nodes[1]!.url, { transports: ['websocket'], forceNew: true, autoConnect: false });
    const events: unknown[][] = [];
    r2.onAny((...args: unknown[]) => events.push(args));
    (r2 as unknown as { _pid: string })._pid = pid;
    (r2 as unknown as { _lastOffset: string })._lastOffset = offset;
    r2.connect();
    await until(() => r2.connected, 'reconnect');
    assert.equal(r2.recovered, true);
    await until(() => events.length === 2, 'missed');
    assert.deepEqual(events.map((e) => e[1]), ['missed-1', 'missed-2']);
    assert.ok((await nodes[1]!.io.in('news').fetchSockets()).length === 1);
    r2.disconnect();
  });

  it('a closed node leaves the membership', async () => {
    const extra = await startNode('n3', bus, store);
    await untilCount(nodes[0]!, 4);
    await extra.io.close();
    extra.http.closeAllConnections();
    await untilCount(nodes[0]!, 3);
  });
});

describe('cluster core without connection state recovery', () => {
  it('broadcasts are delivered at once, in order, without offsets; acks count every node', async () => {
    const bus = new LocalBus();
    const nodes = [await startNode('m0', bus, new MemorySessionStore(), false), await startNode('m1', bus, new MemorySessionStore(), false)];
    const clients: Client[] = [];
    try {
      for (const n of nodes) await untilCount(n, 2);
      for (const n of nodes) clients.push(await connect(n.url));
      for (let i = 0; i < 200; i++) nodes[i % 2]!.io.local.emit('local-only', i);
      for (let i = 0; i < 300; i++) nodes[0]!.io.emit('seq', i);
      for (const cl of clients) {
        await until(() => names(cl, 'seq').length === 300, 'seq');
        assert.deepEqual(names(cl, 'seq'), [...Array(300).keys()].map((i) => [i]));
        assert.equal(names(cl, 'local-only').length, 100);
      }
      const acks = await nodes[1]!.io.timeout(5000).emitWithAck('ask');
      assert.equal((acks as string[]).length, 2);
    } finally {
      for (const cl of clients) cl.socket.disconnect();
      for (const n of nodes) {
        await n.io.close();
        n.http.closeAllConnections();
      }
    }
  });
});

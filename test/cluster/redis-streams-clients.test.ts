// Redis Streams with both client libraries (ioredis and redis v4) and binary payloads, next to a socket.io server
// running @socket.io/redis-streams-adapter, all on one private redis-server; the stream entries as the official
// adapter reads them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { Server as SioServer } from 'socket.io';
import { createAdapter as officialAdapter } from '@socket.io/redis-streams-adapter';
import { Server } from '../../src/server/index.js';
import { createAdapter, Emitter } from '../../src/server/adapters/redis-streams/index.js';
import { RedisServer } from './redis.js';
import { connectClient, waitFor, sleep, type TestClient } from './cluster.js';

interface Running {
  io: { close(): unknown; serverSideEmitWithAck(ev: string, ...args: unknown[]): Promise<unknown[]>; fetchSockets(): Promise<Array<{ id: string }>>;
    emit(ev: string, ...args: unknown[]): unknown; of(n: string): { adapter: { serverCount(): Promise<number> } };
    on(ev: string, fn: (...args: any[]) => void): unknown };
  http: HttpServer;
  url: string;
}

describe('redis-streams: ioredis, redis v4 and the official adapter on one Redis', () => {
  let redis: RedisServer;
  const closers: Array<() => unknown> = [];
  const servers: Running[] = [];
  const clients: TestClient[] = [];

  async function listen(io: Running['io'], http: HttpServer, name: string): Promise<Running> {
    io.on('connection', (socket: { data: unknown; join(r: string): void }) => {
      socket.data = { node: name };
      socket.join('all');
    });
    io.on('who', (cb: (v: string) => void) => cb(name));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const running = { io, http, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
    servers.push(running);
    return running;
  }

  before(async () => {
    redis = await RedisServer.start();
    const io1 = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: null });
    const nr = createClient({ url: redis.url });
    await nr.connect();
    const io3 = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: null });
    closers.push(() => io1.disconnect(), () => nr.disconnect(), () => io3.disconnect());
    const recovery = { maxDisconnectionDuration: 30_000, skipMiddlewares: true };
    const h1 = createServer();
    const h2 = createServer();
    const h3 = createServer();
    await listen(new Server(h1, { adapter: createAdapter(io1, { heartbeatInterval: 1000 }), connectionStateRecovery: recovery }) as unknown as Running['io'], h1, 'ioredis');
    await listen(new Server(h2, { adapter: createAdapter(nr, { heartbeatInterval: 1000 }), connectionStateRecovery: recovery }) as unknown as Running['io'], h2, 'node-redis');
    await listen(new SioServer(h3, { adapter: officialAdapter(io3, { blockTimeInMs: 1000 }), connectionStateRecovery: recovery }) as unknown as Running['io'], h3, 'official');
    const deadline = Date.now() + 15_000;
    while ((await Promise.all(servers.map((s) => s.io.of('/').adapter.serverCount()))).some((n) => n !== 3)) {
      if (Date.now() > deadline) throw new Error('the servers did not see each other');
      await sleep(50);
    }
    for (const s of servers) clients.push(await connectClient(s.url));
  });

  after(async () => {
    for (const c of clients) c.socket.close();
    for (const s of servers) {
      await s.io.close();
      s.http.closeAllConnections();
    }
    for (const close of closers) await close();
    // the official adapter closes its stream reader once its blocking XREAD returns
    await sleep(1500);
    await redis.stop();
  });

  it('binary broadcasts from each server reach every client', async () => {
    servers.forEach((s, i) => s.io.emit('bin', i, Buffer.from([i, 1, 2, 3])));
    await waitFor(() => clients.every((c) => c.events.filter((e) => e[0] === 'bin').length === 3), 15_000, 'binary');
    for (const c of clients) {
      const got = c.events.filter((e) => e[0] === 'bin').map((e) => [e[1], [...new Uint8Array(e[2] as ArrayBuffer)]]);
      got.sort((x, y) => (x[0] as number) - (y[0] as number));
      assert.deepEqual(got, [[0, [0, 1, 2, 3]], [1, [1, 1, 2, 3]], [2, [2, 1, 2, 3]]]);
    }
  });

  it('fetchSockets and serverSideEmitWithAck from the node-redis server', async () => {
    const sockets = await servers[1]!.io.fetchSockets();
    assert.deepEqual(sockets.map((s) => s.id).sort(), clients.map((c) => c.socket.id).sort());
    const answers = await servers[1]!.io.serverSideEmitWithAck('who');
    assert.deepEqual([...answers].sort(), ['ioredis', 'official']);
  });

  it('an entry appended by a process without a server (an emitter) reaches the clients of every server', async () => {
    const raw = new Redis(redis.port, '127.0.0.1');
    try {
      const data = JSON.stringify({ packet: { type: 2, nsp: '/', data: ['from-emitter', 42] }, opts: { rooms: ['all'], except: [], flags: {} } });
      await raw.xadd('socket.io', '*', 'uid', 'emitter', 'nsp', '/', 'type', '3', 'data', data);
      await waitFor(() => clients.every((c) => c.events.some((e) => e[0] === 'from-emitter' && e[1] === 42)), 15_000, 'emitter');
      // an emitter is not a server
      assert.deepEqual(await Promise.all(servers.map((s) => s.io.of('/').adapter.serverCount())), [3, 3, 3]);
    } finally {
      raw.disconnect();
    }
  });

  it('the Emitter: broadcasts with rooms, socketsJoin, serverSideEmit and disconnectSockets on every server', async () => {
    const raw = new Redis(redis.port, '127.0.0.1');
    const notes: string[] = [];
    for (const s of servers) s.io.on('emitter-note', (v: string) => notes.push(v));
    try {
      const emitter = new Emitter(raw);
      emitter.socketsJoin('via-emitter');
      emitter.to('via-emitter').except('nobody').emit('emitted', Buffer.from([7]));
      emitter.serverSideEmit('emitter-note', 'n');
      await waitFor(() => clients.every((c) => c.events.some((e) => e[0] === 'emitted')) && notes.length === 3, 15_000, 'emitter');
      emitter.of('/').disconnectSockets(false);
      await waitFor(() => clients.every((c) => !c.socket.connected), 15_000, 'disconnected by the emitter');
      for (const c of clients) c.socket.connect();
      await waitFor(() => clients.every((c) => c.socket.connected), 15_000, 'reconnected');
    } finally {
      raw.disconnect();
    }
  });

  it('the stream holds entries the official adapter reads: uid, nsp, type, data', async () => {
    const raw = new Redis(redis.port, '127.0.0.1');
    try {
      const entries = await raw.xrevrange('socket.io', '+', '-', 'COUNT', 50);
      const ours = entries.map(([, fields]) => {
        const o: Record<string, string> = {};
        for (let i = 0; i < fields.length; i += 2) o[fields[i]!] = fields[i + 1]!;
        return o;
      }).filter((o) => o.type === '3');
      assert.ok(ours.length >= 3);
      for (const o of ours) assert.deepEqual(Object.keys(o), ['uid', 'nsp', 'type', 'data']);
      // binary payloads are base64 MessagePack, others JSON
      assert.ok(ours.some((o) => !o.data!.startsWith('{')));
    } finally {
      raw.disconnect();
    }
  });
});

describe('redis-streams: shutdown while Redis is down', () => {
  it('io.close() returns, the duplicates are closed', async () => {
    const redis = await RedisServer.start();
    const client = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: null, retryStrategy: () => 100 });
    client.on('error', () => {});
    const http = createServer();
    const io = new Server(http, { adapter: createAdapter(client), connectionStateRecovery: { maxDisconnectionDuration: 10_000 } });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const c = await connectClient(`http://127.0.0.1:${(http.address() as AddressInfo).port}`);
    await redis.kill();
    const started = Date.now();
    c.socket.close();
    await io.close();
    assert.ok(Date.now() - started < 10_000, `closed in ${Date.now() - started} ms`);
    client.disconnect();
    await redis.stop();
  });
});

// Decodes what `@socket.io/redis-adapter` publishes with our wire module, and checks that what our wire module
// encodes is understood by a socket.io node running the reference adapter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { io as ioc, type Socket as ClientSocket } from 'socket.io-client';
import { RedisServer } from './redis.js';
import {
  MessageType, RequestType, classicChannels, decodeBroadcast, decodeMessage, encodeBroadcast, encodeJson,
} from '../../src/server/adapters/redis/wire.js';

let redis: RedisServer;
let http: HttpServer;
let io: Server;
let pub: Redis;
let sub: Redis;
let spy: Redis;
let client: ClientSocket;
const captured: Array<{ channel: string; message: Buffer }> = [];

function waitFor<T>(pred: () => T | undefined, timeout = 3000): Promise<T> {
  const deadline = Date.now() + timeout;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      const v = pred();
      if (v !== undefined) return resolve(v);
      if (Date.now() > deadline) return reject(new Error('condition not met in time'));
      setTimeout(tick, 10);
    };
    tick();
  });
}

function takeOn(channel: string): Promise<Buffer> {
  return waitFor(() => {
    const i = captured.findIndex((m) => m.channel === channel);
    if (i === -1) return undefined;
    return captured.splice(i, 1)[0]!.message;
  });
}

before(async () => {
  redis = await RedisServer.start();
  pub = new Redis(redis.port, '127.0.0.1');
  sub = pub.duplicate();
  spy = pub.duplicate();
  await spy.psubscribe('socket.io*');
  spy.on('pmessageBuffer', (_p: Buffer, channel: Buffer, message: Buffer) => {
    captured.push({ channel: channel.toString(), message });
  });
  http = createServer();
  io = new Server(http, { adapter: createAdapter(pub, sub) });
  io.on('connection', (socket) => {
    socket.data = { user: 'ann' };
    socket.join('r1');
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as { port: number }).port;
  client = ioc(`http://127.0.0.1:${port}`, { transports: ['websocket'] });
  await new Promise<void>((r) => client.on('connect', () => r()));
  // the reference adapter subscribes asynchronously
  await waitFor(() => (io.of('/').adapter.rooms.has('r1') ? true : undefined));
});

after(async () => {
  client.close();
  await new Promise<void>((r) => io.close(() => r()));
  // quit (not disconnect): the reference adapter's unsubscribe commands are answered first
  await Promise.all([pub.quit(), sub.quit(), spy.quit()]);
  await redis.stop();
});

/** A decoded message, read freely by the assertions below (the wire carries no types). */
type Decoded = Record<string, any>;

test('decodes a reference broadcast with binary as [uid, packet, opts]', async () => {
  captured.length = 0;
  io.emit('hello', 1, Buffer.from([1, 2, 3]));
  const msg = await takeOn('socket.io#/#');
  const decoded = decodeBroadcast(msg);
  assert.ok(decoded);
  const [uid, packet, opts] = decoded;
  assert.equal(typeof uid, 'string');
  assert.equal(uid.length, 6);
  assert.equal(packet.type, 2);
  assert.equal(packet.nsp, '/');
  const data = packet.data as [string, number, Uint8Array];
  assert.equal(data[0], 'hello');
  assert.equal(data[1], 1);
  assert.deepEqual([...data[2]], [1, 2, 3]);
  assert.deepEqual(opts.rooms, []);
  assert.deepEqual(opts.except, []);
});

test('a single-room broadcast goes on the room channel with rooms and except', async () => {
  captured.length = 0;
  io.to('r1').except('r2').emit('room-event', { a: 1 });
  const msg = await takeOn('socket.io#/#r1#');
  const [, packet, opts] = decodeBroadcast(msg)!;
  assert.deepEqual(packet.data, ['room-event', { a: 1 }]);
  assert.deepEqual(opts.rooms, ['r1']);
  assert.deepEqual(opts.except, ['r2']);
});

test('serverSideEmit and socketsJoin are JSON requests on the request channel', async () => {
  captured.length = 0;
  io.serverSideEmit('sync', 42);
  const a = decodeMessage(await takeOn('socket.io-request#/#'))!;
  assert.equal(a.type, RequestType.SERVER_SIDE_EMIT);
  assert.deepEqual(a.data, ['sync', 42]);
  assert.equal(typeof a.uid, 'string');
  io.in('r1').socketsJoin('r3');
  const b = decodeMessage(await takeOn('socket.io-request#/#'))!;
  assert.equal(b.type, RequestType.REMOTE_JOIN);
  assert.deepEqual(b.opts, { rooms: ['r1'], except: [] });
  assert.deepEqual(b.rooms, ['r3']);
});

test('a broadcast with acks is a MessagePack BROADCAST request', async () => {
  captured.length = 0;
  client.once('ask', (n: number, cb: (v: number) => void) => cb(n * 2));
  const replies = await io.timeout(1000).emitWithAck('ask', 21);
  assert.deepEqual(replies, [42]);
  const raw = await takeOn('socket.io-request#/#');
  assert.notEqual(raw[0], 0x7b);
  const req = decodeMessage(raw) as Decoded;
  assert.equal(req.type, RequestType.BROADCAST);
  assert.equal(typeof req.requestId, 'string');
  assert.deepEqual(req.packet.data, ['ask', 21]);
  assert.equal(req.opts.flags.timeout, 1000);
});

test('our encoded broadcast reaches a client of the reference node', async () => {
  const got = new Promise<unknown[]>((resolve) => client.once('from-wire', (...args: unknown[]) => resolve(args)));
  await pub.publish('socket.io#/#r1#', encodeBroadcast('abcdef', { type: 2, nsp: '/', data: ['from-wire', 'x', Buffer.from([9])] },
    { rooms: ['r1'], except: [], flags: {} }));
  const args = await got;
  assert.equal(args[0], 'x');
  assert.deepEqual([...new Uint8Array(args[1] as ArrayBuffer)], [9]);
});

test('our REMOTE_FETCH request is answered with id, handshake, rooms and data', async () => {
  const ch = classicChannels('socket.io', '/', 'zzzzzz');
  captured.length = 0;
  await pub.publish(ch.request, encodeJson({ uid: 'zzzzzz', requestId: 'req001', type: RequestType.REMOTE_FETCH,
    opts: { rooms: ['r1'], except: [] } }));
  const res = decodeMessage(await takeOn(ch.response)) as Decoded;
  assert.equal(res.requestId, 'req001');
  assert.equal(res.sockets.length, 1);
  const s = res.sockets[0];
  assert.equal(s.id, client.id);
  assert.deepEqual(s.data, { user: 'ann' });
  assert.ok(s.rooms.includes('r1'));
  assert.equal(s.handshake.query.transport, 'websocket');
});

test('our REMOTE_JOIN request makes the reference node join its sockets', async () => {
  const ch = classicChannels('socket.io', '/', 'zzzzzz');
  await pub.publish(ch.request, encodeJson({ uid: 'zzzzzz', type: RequestType.REMOTE_JOIN,
    opts: { rooms: ['r1'], except: [] }, rooms: ['joined-by-wire'] }));
  await waitFor(() => (io.of('/').adapter.rooms.get('joined-by-wire')?.has(client.id!) ? true : undefined));
});

test('decodes what the reference sharded adapter publishes (JSON, MessagePack with binary, room channels)', async () => {
  const pub2 = new Redis(redis.port, '127.0.0.1');
  const sub2 = pub2.duplicate();
  const shardSpy = pub2.duplicate();
  const got: Array<{ channel: string; message: Buffer }> = [];
  shardSpy.on('smessageBuffer', (channel: Buffer, message: Buffer) => got.push({ channel: channel.toString(), message }));
  await shardSpy.ssubscribe('shard#/#', 'shard#/#room1#');
  const http2 = createServer();
  const io2 = new Server(http2, { adapter: createShardedAdapter(pub2 as any, sub2 as any, { channelPrefix: 'shard', subscriptionMode: 'dynamic' }) });
  try {
    io2.emit('x', 1);
    io2.emit('bin', Buffer.from([5]));
    io2.to('room1').emit('in-room');
    await waitFor(() => (got.length >= 3 ? true : undefined));
    const [plain, bin, room] = got;
    assert.equal(plain!.channel, 'shard#/#');
    assert.equal(plain!.message[0], 0x7b, 'JSON without binary');
    const m = decodeMessage(plain!.message) as Decoded;
    assert.equal(m.type, MessageType.BROADCAST);
    assert.equal(m.nsp, '/');
    assert.equal(typeof m.uid, 'string');
    // the reference publishes before setting packet.nsp: receivers rely on the message's own nsp
    assert.deepEqual(m.data.packet, { type: 2, data: ['x', 1] });
    assert.deepEqual(m.data.opts, { rooms: [], except: [], flags: {} });
    assert.notEqual(bin!.message[0], 0x7b, 'MessagePack with binary');
    assert.deepEqual([...(decodeMessage(bin!.message) as Decoded).data.packet.data[1]], [5]);
    assert.equal(room!.channel, 'shard#/#room1#');
    assert.deepEqual((decodeMessage(room!.message) as Decoded).data.opts.rooms, ['room1']);
  } finally {
    await new Promise<void>((r) => io2.close(() => r()));
    await Promise.all([pub2.quit(), sub2.quit(), shardSpy.quit()]);
  }
});

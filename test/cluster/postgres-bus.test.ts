// The PostgreSQL bus against the official packages, message by message: what an @socket.io/postgres-adapter node
// or an @socket.io/postgres-emitter publishes, the bus receives decoded; what the bus publishes, an official node
// acts on. Plus ordering, the attachments table (created when missing, cleaned up) and the listening connection
// coming back after its backend is terminated or the server restarts.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { Server as IoServer } from 'socket.io';
import { io as ioc, type Socket as ClientSocket } from 'socket.io-client';
import { createAdapter as officialAdapter } from '@socket.io/postgres-adapter';
import { Emitter as OfficialEmitter } from '@socket.io/postgres-emitter';
import { PostgresBus } from '../../src/server/adapters/postgres/bus.js';
import type { BusMessage } from '../../src/server/adapters/postgres/codec.js';
import { PrivatePostgres, TestDatabase, waitFor } from './engines/postgres.js';

const BROADCAST = 3;

function collector(uid = 'ours'): { uid: string; messages: BusMessage[]; deliver(m: BusMessage): void } {
  const messages: BusMessage[] = [];
  return { uid, messages, deliver: (m) => { messages.push(m); } };
}

function broadcast(uid: string, args: unknown[]): BusMessage {
  return { uid, nsp: '/', type: BROADCAST, data: { packet: { type: 2, nsp: '/', data: args }, opts: { rooms: [], except: [], flags: {} } } };
}

describe('PostgreSQL bus ↔ @socket.io/postgres-adapter', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let http: HttpServer;
  let official: IoServer;
  let client: ClientSocket;
  const errors: Error[] = [];

  before(async () => {
    db = await TestDatabase.create();
    pool = db.pool();
    http = createServer();
    official = new IoServer(http, { adapter: officialAdapter(pool) });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    client = ioc(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { transports: ['websocket'] });
    await new Promise<void>((r) => client.once('connect', () => r()));
  });

  after(async () => {
    client.close();
    official.close();
    await new Promise((r) => setTimeout(r, 100));
    await pool.end();
    await db.drop();
  });

  // (an official node publishes its messages concurrently, an attachment taking two round trips: the order they
  // arrive in is not the order of the calls, so only the content is checked here)
  test('an official node\'s broadcasts (small, large, binary) arrive decoded', async () => {
    const bus = new PostgresBus(pool, { errorHandler: (e) => errors.push(e) });
    const sink = collector();
    bus.subscribe('/', sink);
    await bus.ready();
    const big = 'x'.repeat(20_000);
    official.emit('small', 1, { a: 'b' });
    official.emit('large', big);
    official.emit('binary', Buffer.from([1, 2, 3]));
    await waitFor(() => sink.messages.filter((m) => m.type === BROADCAST).length === 3, 20_000, 'three broadcasts');
    const packets = new Map(sink.messages.filter((m) => m.type === BROADCAST)
      .map((m) => (m.data as { packet: { data: unknown[] } }).packet.data).map((d) => [d[0], d.slice(1)]));
    assert.deepEqual(packets.get('small'), [1, { a: 'b' }]);
    assert.ok(packets.get('large')![0] === big, 'the large payload, whole');
    assert.deepEqual([...(packets.get('binary')![0] as Uint8Array)], [1, 2, 3]);
    for (const m of sink.messages) assert.equal(m.nsp, '/');
    bus.close();
    assert.deepEqual(errors, []);
  });

  // (an official node reads an attachment while it delivers the notifications behind it: the order it delivers
  // in is its own, so only the content is checked here)
  test('what the bus publishes (small, large, binary) reaches the official node\'s clients', async () => {
    const bus = new PostgresBus(pool, { errorHandler: (e) => errors.push(e) });
    const got: unknown[][] = [];
    client.onAny((...args: unknown[]) => { got.push(args); });
    const big = 'y'.repeat(20_000);
    await Promise.all([
      bus.publish(broadcast('ours', ['one', 1])),
      bus.publish(broadcast('ours', ['two', big])),
      bus.publish(broadcast('ours', ['three', Buffer.from([4, 5])])),
      bus.publish(broadcast('ours', ['four'])),
    ]);
    await waitFor(() => got.length === 4, 20_000, 'four events on the official node\'s client');
    const byName = new Map(got.map((a) => [a[0], a.slice(1)]));
    assert.deepEqual([...byName.keys()].sort(), ['four', 'one', 'three', 'two']);
    assert.deepEqual(byName.get('one'), [1]);
    assert.equal(byName.get('two')![0], big);
    assert.deepEqual([...Buffer.from(byName.get('three')![0] as ArrayBuffer)], [4, 5]);
    client.offAny();
    bus.close();
    assert.deepEqual(errors, []);
  });

  test('@socket.io/postgres-emitter messages arrive with the channel\'s namespace', async () => {
    const bus = new PostgresBus(pool, { errorHandler: (e) => errors.push(e) });
    const sink = collector();
    bus.subscribe('/', sink);
    const chat = collector();
    bus.subscribe('/chat', chat);
    await bus.ready();
    const emitter = new OfficialEmitter(pool);
    emitter.to('room1').emit('from-emitter', 'hi');
    emitter.of('/chat').emit('in-chat', Buffer.from([9]));
    await waitFor(() => sink.messages.some((m) => m.type === BROADCAST) && chat.messages.some((m) => m.type === BROADCAST));
    const m = sink.messages.find((x) => x.type === BROADCAST)!;
    assert.equal(m.uid, 'emitter');
    assert.equal(m.nsp, '/');
    assert.deepEqual((m.data as { opts: { rooms: string[] } }).opts.rooms, ['room1']);
    const c = chat.messages.find((x) => x.type === BROADCAST)!;
    assert.equal(c.nsp, '/chat');
    bus.close();
  });

  test('1,000 messages mixing notifications and attachments keep their order', async () => {
    const sender = new PostgresBus(pool, { errorHandler: (e) => errors.push(e) });
    const receiver = new PostgresBus(pool, { errorHandler: (e) => errors.push(e) });
    const sink = collector('receiver');
    receiver.subscribe('/', sink);
    await receiver.ready();
    const sent: Array<Promise<void>> = [];
    for (let i = 0; i < 1000; i++) {
      sent.push(sender.publish(broadcast('sender', i % 10 === 3 ? [i, Buffer.from([i & 255])] : i % 10 === 7 ? [i, 'z'.repeat(9000)] : [i])));
    }
    await Promise.all(sent);
    await waitFor(() => sink.messages.length === 1000, 60_000, '1,000 messages');
    const order = sink.messages.map((m) => (m.data as { packet: { data: number[] } }).packet.data[0]);
    assert.deepEqual(order, [...Array(1000).keys()]);
    sender.close();
    receiver.close();
    assert.deepEqual(errors, []);
  });

  test('a namespace subscribed once the bus listens: ready() waits for its LISTEN', async () => {
    const bus = new PostgresBus(pool, { errorHandler: (e) => errors.push(e) });
    bus.subscribe('/', collector());
    await bus.ready();
    const late = collector();
    bus.subscribe('/late', late);
    await bus.ready();
    const other = new PostgresBus(pool);
    await other.publish({ ...broadcast('other', ['late']), nsp: '/late' });
    await waitFor(() => late.messages.length === 1, 20_000, 'the message on /late');
    assert.equal(late.messages[0].nsp, '/late');
    bus.close();
    other.close();
  });

  test('the bus does not read back its own attachments, and delivers nothing of its own', async () => {
    const bus = new PostgresBus(pool);
    const sink = collector('me');
    bus.subscribe('/', sink);
    await bus.ready();
    await bus.publish(broadcast('me', ['mine', Buffer.from([1])]));
    await bus.publish(broadcast('me', ['mine']));
    const other = new PostgresBus(pool);
    await other.publish(broadcast('other', ['theirs']));
    await waitFor(() => sink.messages.length === 1);
    assert.equal(sink.messages[0].uid, 'other');
    bus.close();
    other.close();
  });
});

describe('PostgreSQL bus: the attachments table and the connection', () => {
  test('the table is created when missing, and old attachments are cleaned up', async () => {
    const db = await TestDatabase.create(undefined, false);
    const pool = db.pool();
    const errors: Error[] = [];
    const sender = new PostgresBus(pool, { cleanupInterval: 300, errorHandler: (e) => errors.push(e) });
    const receiver = new PostgresBus(pool, { errorHandler: (e) => errors.push(e) });
    const sink = collector('receiver');
    receiver.subscribe('/', sink);
    sender.subscribe('/', collector('sender'));
    await receiver.ready();
    await sender.publish(broadcast('sender', ['bin', Buffer.from([7])]));
    await waitFor(() => sink.messages.length === 1);
    const count = async (): Promise<number> => Number((await pool.query('SELECT count(*) AS n FROM socket_io_attachments')).rows[0].n);
    assert.equal(await count(), 1);
    await waitFor(async () => (await count()) === 0, 20_000, 'the cleanup');
    sender.close();
    receiver.close();
    await pool.end();
    await db.drop();
    assert.deepEqual(errors, []);
  });

  test('the listening connection comes back after its backend is terminated', async () => {
    const db = await TestDatabase.create();
    const pool = db.pool();
    const errors: Error[] = [];
    const receiver = new PostgresBus(pool, { errorHandler: (e) => errors.push(e) });
    const sink = collector('receiver');
    receiver.subscribe('/', sink);
    await receiver.ready();
    await pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'`, [db.target.database]);
    await waitFor(() => !receiver.listening, 20_000, 'the loss to be noticed');
    await receiver.ready();
    const sender = new PostgresBus(pool);
    await sender.publish(broadcast('sender', ['after']));
    await waitFor(() => sink.messages.length === 1, 20_000, 'delivery after reconnection');
    assert.ok(errors.length >= 1, 'the loss is reported to errorHandler');
    sender.close();
    receiver.close();
    await pool.end();
    await db.drop();
  });

  test('the listening connection comes back after PostgreSQL restarts', async (t) => {
    const server = await PrivatePostgres.start();
    if (!server) return t.skip('no initdb on this machine');
    try {
      const db = await TestDatabase.create(server.server);
      const pool = db.pool();
      const receiver = new PostgresBus(pool, { errorHandler: () => undefined });
      const sink = collector('receiver');
      receiver.subscribe('/', sink);
      await receiver.ready();
      await server.stopServer();
      await waitFor(() => !receiver.listening, 20_000, 'the loss to be noticed');
      await server.startServer();
      await receiver.ready();
      const sender = new PostgresBus(pool);
      await sender.publish(broadcast('sender', ['after restart', Buffer.from([1])]));
      await waitFor(() => sink.messages.length === 1, 20_000, 'delivery after the restart');
      sender.close();
      receiver.close();
      await pool.end();
    } finally {
      await server.destroy();
    }
  });
});

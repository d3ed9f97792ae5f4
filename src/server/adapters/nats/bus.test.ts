import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from 'nats';
import { NatsServer } from '../../../../test/cluster/engines/nats.js';
import { NatsBus, subjectToken, type BusMessage } from './bus.js';
import { NatsSessionStore } from './session-store.js';

let server: NatsServer;
const conns: NatsConnection[] = [];

async function open(): Promise<NatsConnection> {
  const nc = await connect({ servers: server.url, reconnectTimeWait: 100, maxReconnectAttempts: -1, pingInterval: 1000 });
  conns.push(nc);
  return nc;
}

/** Resolves once `cond()` holds (polled), rejects after `ms`. */
async function until(cond: () => boolean, ms = 20000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Received { message: BusMessage; offset?: string }

function handlers(into: Received[], responses: BusMessage[] = []): { message(m: BusMessage, o?: string): void; response(r: BusMessage): void } {
  return { message: (message, offset) => into.push({ message, offset }), response: (r) => responses.push(r) };
}

before(async () => {
  server = await NatsServer.start();
});

after(async () => {
  for (const nc of conns) await nc.close().catch(() => {});
  await server.stop();
});

test('subject tokens keep a namespace readable and valid', () => {
  assert.equal(subjectToken('/'), '/');
  assert.equal(subjectToken('/chat.v2'), '/chat%2Ev2');
  assert.equal(subjectToken('/a b*>'), '/a%20b%2A%3E');
});

for (const mode of ['core', 'jetstream'] as const) {
  test(`${mode}: messages (binary included) reach every server in order; answers reach the asker only`, async () => {
    const prefix = `t-${mode}`;
    const jetstream = mode === 'jetstream' ? { storage: 'memory' as const } : null;
    const [a, b] = [await open(), await open()];
    const busA = new NatsBus(a, { prefix, nsp: '/chat.x', uid: 'A', jetstream });
    const busB = new NatsBus(b, { prefix, nsp: '/chat.x', uid: 'B', jetstream });
    const gotA: Received[] = [];
    const gotB: Received[] = [];
    const answersA: BusMessage[] = [];
    const answersB: BusMessage[] = [];
    await Promise.all([busA.start(handlers(gotA, answersA)), busB.start(handlers(gotB, answersB))]);
    const offsets: Array<string | undefined> = [];
    for (let i = 0; i < 300; i++) {
      offsets.push(await busA.publish({ uid: 'A', nsp: '/chat.x', type: 3, data: { packet: { type: 2, data: ['n', i, Buffer.from([i & 255])] } } }));
    }
    await busB.publish({ uid: 'B', nsp: '/chat.x', type: 2 }, true);   // a heartbeat: core, no offset
    await busB.publishResponse('A', { uid: 'B', nsp: '/chat.x', type: 8, data: { requestId: 'r1', sockets: [] } });
    await until(() => gotB.filter((r) => r.message.type === 3).length === 300 && answersA.length === 1, 20000, 'deliveries');
    const seen = gotB.filter((r) => r.message.type === 3);
    seen.forEach((r, i) => {
      const packet = (r.message.data as { packet: { data: [string, number, Buffer] } }).packet;
      assert.equal(packet.data[1], i);
      assert.ok(Buffer.isBuffer(packet.data[2]));
      assert.equal(packet.data[2][0], i & 255);
      if (mode === 'jetstream') assert.equal(r.offset, offsets[i]);
      else assert.equal(r.offset, undefined);
    });
    if (mode === 'jetstream') {
      assert.ok(offsets.every((o) => typeof o === 'string' && /^\d+$/.test(o)));
      assert.ok(Number(offsets[299]) > Number(offsets[0]));
    }
    await until(() => gotA.some((r) => r.message.type === 2), 10000, 'heartbeat');
    assert.equal(gotA.find((r) => r.message.type === 2)?.offset, undefined);
    assert.equal(answersB.length, 0);
    assert.deepEqual(answersA[0]!.data, { requestId: 'r1', sockets: [] });
    await Promise.all([busA.close(), busB.close()]);
  });
}

test('jetstream: what is published while NATS is down is held and stored once it is back, in order, once', async () => {
  const prefix = 't-restart';
  const [a, b] = [await open(), await open()];
  const busA = new NatsBus(a, { prefix, nsp: '/', uid: 'A', jetstream: {}, maxOutage: 30000 });
  const busB = new NatsBus(b, { prefix, nsp: '/', uid: 'B', jetstream: {} });
  const gotB: Received[] = [];
  await Promise.all([busA.start(handlers([])), busB.start(handlers(gotB))]);
  const publish = (i: number): Promise<string | undefined> => busA.publish({ uid: 'A', nsp: '/', type: 3, data: { i } });
  for (let i = 0; i < 50; i++) await publish(i);
  await until(() => gotB.length === 50, 20000, 'first batch');
  const inFlight = Array.from({ length: 20 }, (_, i) => publish(50 + i));
  await server.kill();
  const during = Array.from({ length: 30 }, (_, i) => publish(70 + i));
  await new Promise((r) => setTimeout(r, 500));
  await server.restart();
  const offsets = await Promise.all([...inFlight, ...during]);
  await until(() => gotB.length >= 100, 60000, 'second batch');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(gotB.map((r) => (r.message.data as { i: number }).i), Array.from({ length: 100 }, (_, i) => i));
  const seqs = gotB.map((r) => Number(r.offset));
  assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!));
  assert.deepEqual(offsets, gotB.slice(50).map((r) => r.offset));
  await Promise.all([busA.close(), busB.close()]);
});

test('jetstream: a saved session comes back once, with the recoverable broadcasts it missed in its rooms', async () => {
  const prefix = 't-sessions';
  const nc = await open();
  const bus = new NatsBus(nc, { prefix, nsp: '/', uid: 'A', jetstream: { storage: 'memory' } });
  const other = new NatsBus(nc, { prefix, nsp: '/other', uid: 'A', jetstream: { storage: 'memory' } });
  await bus.start(handlers([]));
  await other.start(handlers([]));
  const store = new NatsSessionStore(nc, { stream: bus.stream!, subject: bus.subject, ttl: 5000 });
  const broadcast = (data: unknown[], rooms: string[], except: string[], extra: Record<string, unknown> = {}): Promise<string | undefined> =>
    bus.publish({ uid: 'A', nsp: '/', type: 3, data: { packet: { type: 2, data, nsp: '/' }, opts: { rooms, except, flags: {} }, ...extra } });
  const first = (await broadcast(['a'], [], []))!;
  await store.persist({ sid: 's1', pid: 'p/1+', rooms: ['s1', 'blue'], data: { n: 1 } }, 5000);
  const o2 = await broadcast(['b', Buffer.from([7])], ['blue'], []);
  await broadcast(['c'], ['red'], []);
  await broadcast(['d'], [], ['blue']);
  await other.publish({ uid: 'A', nsp: '/other', type: 3, data: { packet: { type: 2, data: ['elsewhere'] }, opts: { rooms: [], except: [] } } });
  await broadcast(['acked'], [], [], { requestId: 'x' });
  await bus.publish({ uid: 'A', nsp: '/', type: 4, data: { opts: { rooms: [], except: [] }, rooms: ['r'] } });
  const o5 = await broadcast(['e'], ['s1'], []);
  const restored = await store.restore('p/1+', first);
  assert.ok(restored);
  assert.equal(restored.sid, 's1');
  assert.deepEqual(restored.rooms, ['s1', 'blue']);
  assert.deepEqual(restored.data, { n: 1 });
  assert.equal(restored.missedPackets.length, 2);
  assert.equal(restored.missedPackets[0]![0], 'b');
  assert.ok(Buffer.isBuffer(restored.missedPackets[0]![1]));
  assert.equal(restored.missedPackets[0]![2], o2);
  assert.deepEqual(restored.missedPackets[1], ['e', o5]);
  assert.equal(await store.restore('p/1+', first), null, 'restored once');
  await store.persist({ sid: 's2', pid: 'p2', rooms: ['s2'], data: null }, 5000);
  const nothing = await store.restore('p2', o5!);
  assert.deepEqual(nothing?.missedPackets, []);
  await store.persist({ sid: 's3', pid: 'p3', rooms: ['s3'], data: null }, 5000);
  assert.equal(await store.restore('p3', '999999'), null, 'an offset beyond the history');
  await store.persist({ sid: 's4', pid: 'p4', rooms: ['s4'], data: null }, 5000);
  await store.forget('p4');
  assert.equal(await store.restore('p4', first), null, 'forgotten');
  await Promise.all([bus.close(), other.close()]);
});

test('jetstream: a long history is read back in pages', async () => {
  const nc = await open();
  const bus = new NatsBus(nc, { prefix: 't-pages', nsp: '/', uid: 'A', jetstream: { storage: 'memory' } });
  await bus.start(handlers([]));
  const store = new NatsSessionStore(nc, { stream: bus.stream!, subject: bus.subject, ttl: 5000 });
  const first = (await bus.publish({ uid: 'A', nsp: '/', type: 3, data: { packet: { type: 2, data: ['start'] }, opts: { rooms: [], except: [] } } }))!;
  await store.persist({ sid: 's', pid: 'p', rooms: ['s'], data: null }, 5000);
  const sent = await Promise.all(Array.from({ length: 1234 }, (_, i) =>
    bus.publish({ uid: 'A', nsp: '/', type: 3, data: { packet: { type: 2, data: ['n', i] }, opts: { rooms: [], except: [] } } })));
  const restored = await store.restore('p', first);
  assert.ok(restored);
  assert.equal(restored.missedPackets.length, 1234);
  assert.deepEqual(restored.missedPackets.map((p) => p[1]), Array.from({ length: 1234 }, (_, i) => i));
  assert.deepEqual(restored.missedPackets.map((p) => p[2]), sent);
  await bus.close();
});

test('without JetStream on the server, the bus falls back to core NATS', async () => {
  const plain = await NatsServer.start(false);
  try {
    const [a, b] = await Promise.all([1, 2].map(() => connect({ servers: plain.url })));
    const busA = new NatsBus(a!, { prefix: 't-plain', nsp: '/', uid: 'A', jetstream: {} });
    const busB = new NatsBus(b!, { prefix: 't-plain', nsp: '/', uid: 'B', jetstream: {} });
    const gotB: Received[] = [];
    await Promise.all([busA.start(handlers([])), busB.start(handlers(gotB))]);
    assert.equal(busA.stream, null);
    assert.equal(await busA.publish({ uid: 'A', nsp: '/', type: 3, data: { i: 1 } }), undefined);
    await until(() => gotB.length === 1, 10000, 'core delivery');
    await Promise.all([busA.close(), busB.close()]);
    await Promise.all([a!.close(), b!.close()]);
  } finally {
    await plain.stop();
  }
});

test('closing while NATS is down settles (held messages fail)', async () => {
  const own = await NatsServer.start();
  const nc = await connect({ servers: own.url, reconnectTimeWait: 100, maxReconnectAttempts: -1 });
  try {
    const bus = new NatsBus(nc, { prefix: 't-close', nsp: '/', uid: 'A', jetstream: {}, publishTimeout: 1000 });
    await bus.start(handlers([]));
    await own.kill();
    await until(() => !bus.up, 10000, 'disconnection noticed');
    const held = bus.publish({ uid: 'A', nsp: '/', type: 3, data: {} }).then(() => 'stored', (err: Error) => err.message);
    const started = Date.now();
    await bus.close();
    assert.equal(await held, 'closed');
    assert.ok(Date.now() - started < 5000);
  } finally {
    await nc.close();
    await own.stop();
  }
});

test('a message held longer than maxOutage fails while NATS stays down', async () => {
  const own = await NatsServer.start();
  const nc = await connect({ servers: own.url, reconnectTimeWait: 100, maxReconnectAttempts: -1 });
  try {
    const bus = new NatsBus(nc, { prefix: 't-expiry', nsp: '/', uid: 'A', jetstream: {}, maxOutage: 500 });
    await bus.start(handlers([]));
    await own.kill();
    await until(() => !bus.up, 10000, 'disconnection noticed');
    const held = await bus.publish({ uid: 'A', nsp: '/', type: 3, data: {} }).then(() => 'stored', (err: Error) => err.message);
    assert.match(held, /unreachable/);
    await bus.close();
  } finally {
    await nc.close();
    await own.stop();
  }
});

test('jetstream: a burst of 15,000 messages reaches a reader whole, in order', async () => {
  const [a, b] = [await open(), await open()];
  // a loaded machine may take longer than the default hold to store 15,000 messages: the test is about order
  const busA = new NatsBus(a, { prefix: 't-burst', nsp: '/', uid: 'A', jetstream: {}, publishTimeout: 30000, maxOutage: 90000 });
  const busB = new NatsBus(b, { prefix: 't-burst', nsp: '/', uid: 'B', jetstream: {} });
  const seen: number[] = [];
  await Promise.all([busA.start(handlers([])), busB.start({ message: (m) => seen.push((m.data as { i: number }).i), response() {} })]);
  await Promise.all(Array.from({ length: 15000 }, (_, i) => busA.publish({ uid: 'A', nsp: '/', type: 3, data: { i, pad: 'x'.repeat(100) } })));
  await until(() => seen.length >= 15000, 100000, 'the burst');
  assert.ok(seen.every((v, i) => v === i));
  await Promise.all([busA.close(), busB.close()]);
});

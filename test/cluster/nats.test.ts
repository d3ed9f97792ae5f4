// socketeer/nats across 3 server processes on a private nats-server (JetStream on): every cross-node operation,
// recovery across nodes, NATS killed and restarted, a node killed; and core NATS only (no JetStream).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from 'nats';
import { Emitter } from '../../src/server/adapters/nats/index.js';
import { NatsServer, NatsNode, type NatsNodeConfig } from './engines/nats.js';
import { connectClient, waitFor, sleep, type TestClient } from './cluster.js';
import { SwitchProxy } from './proxy.js';

let nats: NatsServer;
let emitterConn: NatsConnection | null = null;
const nodes: NatsNode[] = [];
const clients: TestClient[] = [];
const proxies: SwitchProxy[] = [];

async function startNodes(names: string[], config: Omit<NatsNodeConfig, 'name' | 'natsPort'>): Promise<NatsNode[]> {
  const started = await Promise.all(names.map((name) => NatsNode.start({ name, natsPort: nats.port, ...config })));
  nodes.push(...started);
  await waitForCount(started, started.length);
  return started;
}

async function waitForCount(group: NatsNode[], n: number, timeout = 20000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const counts = await Promise.all(group.map((node) => node.call<number>('serverCount')));
    if (counts.every((c) => c === n)) return;
    if (Date.now() > deadline) throw new Error(`server counts ${counts.join(',')} instead of ${n}`);
    await sleep(50);
  }
}

async function client(url: string, query: Record<string, string> = {}): Promise<TestClient> {
  const c = await connectClient(url, { query });
  c.socket.on('ask', (q: string, cb: (v: unknown) => void) => cb(`${query.name}:${q}`));
  clients.push(c);
  return c;
}

/** Polls an async condition every 100 ms until it holds (generous deadline). */
async function eventually(cond: () => Promise<boolean>, what: string, timeout = 20000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const got = (c: TestClient, event: string): unknown[][] => c.events.filter((e) => e[0] === event);

before(async () => {
  nats = await NatsServer.start();
});

after(async () => {
  await emitterConn?.close();
  for (const c of clients) c.socket.close();
  for (const p of proxies) await p.close();
  for (const node of nodes) assert.deepEqual(node.crashes, []);
  await Promise.all(nodes.map((n) => n.kill()));
  await nats.stop();
});

test('JetStream: every cross-node operation, recovery across nodes, NATS restarted, a node killed', async (t) => {
  const [a, b, c] = await startNodes(['A', 'B', 'C'], { recovery: true, prefix: 'js' });
  const ca = await client(a!.url, { name: 'ca', room: 'red' });
  const cb = await client(b!.url, { name: 'cb', room: 'blue' });
  const cc = await client(c!.url, { name: 'cc', room: 'red' });
  const all = [ca, cb, cc];

  await t.test('broadcasts with rooms and except reach the right clients of every node, with an offset', async () => {
    await b!.call('emit', { event: 'all', args: [1, { $bin: [1, 2, 3] }] });
    await b!.call('emit', { rooms: ['red'], event: 'reds', args: [2] });
    await a!.call('emit', { except: ['red'], event: 'not-red', args: [3] });
    await c!.call('emit', { rooms: ['red', 'blue'], except: ['blue'], event: 'red-only', args: [4] });
    await waitFor(() => all.every((x) => got(x, 'all').length === 1) && got(ca, 'reds').length === 1 &&
      got(cc, 'reds').length === 1 && got(cb, 'not-red').length === 1 && got(cc, 'red-only').length === 1, 20000, 'broadcasts');
    await sleep(300);
    assert.equal(got(cb, 'reds').length, 0);
    assert.equal(got(ca, 'not-red').length + got(cc, 'not-red').length, 0);
    assert.equal(got(ca, 'red-only').length, 1);
    assert.equal(got(cb, 'red-only').length, 0);
    for (const x of all) {
      const [, n, bin, offset] = got(x, 'all')[0]!;
      assert.equal(n, 1);
      assert.deepEqual([...new Uint8Array(bin as ArrayBuffer)], [1, 2, 3]);
      assert.match(String(offset), /^\d+$/, 'the offset of the stream');
    }
    assert.equal(got(ca, 'all')[0]![3], got(cc, 'all')[0]![3], 'the same offset on every node');
  });

  await t.test('1,000 broadcasts arrive in order on every node', async () => {
    await a!.call('burst', { event: 'seq', count: 1000 });
    await waitFor(() => all.every((x) => got(x, 'seq').length >= 1000), 60000, '1,000 broadcasts');
    for (const x of all) {
      assert.deepEqual(got(x, 'seq').map((e) => e[1]), Array.from({ length: 1000 }, (_, i) => i));
      const offsets = got(x, 'seq').map((e) => Number(e[2]));
      assert.ok(offsets.every((o, i) => i === 0 || o > offsets[i - 1]!), 'increasing offsets');
    }
  });

  await t.test('fetchSockets, serverSideEmit and broadcasts with acks reach every node', async () => {
    const sockets = await a!.call<Array<{ id: string; rooms: string[]; data: { name: string; node: string } }>>('fetchSockets');
    assert.deepEqual(sockets.map((s) => s.data.name).sort(), ['ca', 'cb', 'cc']);
    assert.deepEqual(sockets.find((s) => s.data.name === 'cb')!.rooms.sort(), [cb.socket.id, 'blue'].sort());
    const reds = await b!.call<Array<{ data: { name: string } }>>('fetchSockets', { rooms: ['red'] });
    assert.deepEqual(reds.map((s) => s.data.name).sort(), ['ca', 'cc']);
    const answer = await a!.call<{ error: string | null; responses: string[] }>('serverSideEmit',
      { event: 'ping-servers', args: ['x'], ack: true });
    assert.equal(answer.error, null);
    assert.deepEqual(answer.responses.sort(), ['pong-B-x', 'pong-C-x']);
    const acks = await c!.call<{ error?: string; responses: string[] }>('emitWithAck', { event: 'ask', args: ['q'], timeout: 10000 });
    assert.equal(acks.error, undefined);
    assert.deepEqual(acks.responses.sort(), ['ca:q', 'cb:q', 'cc:q']);
  });

  await t.test('remote join, leave and disconnect; socketsJoin, socketsLeave, disconnectSockets', async () => {
    await a!.call('remote', { socketId: cc.socket.id, action: 'join', room: 'green' });
    const rooms = (): Promise<string[]> => new Promise((r) => cc.socket.emit('whoami', (w: { rooms: string[] }) => r(w.rooms)));
    await eventually(async () => (await rooms()).includes('green'), 'remote join');
    await b!.call('emit', { rooms: ['green'], event: 'green', args: [] });
    await waitFor(() => got(cc, 'green').length === 1, 20000, 'green');
    await a!.call('remote', { socketId: cc.socket.id, action: 'leave', room: 'green' });
    await eventually(async () => !(await rooms()).includes('green'), 'remote leave');
    await b!.call('socketsJoin', { rooms: ['red'], room: 'purple' });
    const purple = async (): Promise<number> => (await a!.call<unknown[]>('fetchSockets', { rooms: ['purple'] })).length;
    await eventually(async () => (await purple()) === 2, 'socketsJoin');
    await c!.call('socketsLeave', { room: 'purple' });
    await eventually(async () => (await purple()) === 0, 'socketsLeave');
    const extra = await client(b!.url, { name: 'extra', room: 'gone' });
    const extra2 = await client(c!.url, { name: 'extra2', room: 'gone' });
    await a!.call('disconnectSockets', { rooms: ['gone'] });
    await waitFor(() => extra.disconnects.includes('io server disconnect') && extra2.disconnects.includes('io server disconnect'),
      20000, 'disconnectSockets');
    const victim = await client(c!.url, { name: 'victim' });
    await b!.call('remote', { socketId: victim.socket.id, action: 'disconnect' });
    await waitFor(() => victim.disconnects.includes('io server disconnect'), 20000, 'remote disconnect');
  });

  await t.test('an emitter in a process without a server: broadcasts (stored, with an offset), room changes, server-side events', async () => {
    emitterConn = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    const emitter = new Emitter(emitterConn, { prefix: 'js' });
    emitter.to('red').emit('from-emitter', 'x', Buffer.from([5, 6]));
    emitter.except('red').emit('not-red-emitter');
    await waitFor(() => got(ca, 'from-emitter').length === 1 && got(cc, 'from-emitter').length === 1 &&
      got(cb, 'not-red-emitter').length === 1, 20000, 'emitter broadcasts');
    const [, x, bin, offset] = got(ca, 'from-emitter')[0]!;
    assert.equal(x, 'x');
    assert.deepEqual([...new Uint8Array(bin as ArrayBuffer)], [5, 6]);
    assert.match(String(offset), /^\d+$/);
    await sleep(200);
    assert.equal(got(cb, 'from-emitter').length, 0);
    emitter.in('blue').socketsJoin('teal');
    await eventually(async () => (await a!.call<unknown[]>('fetchSockets', { rooms: ['teal'] })).length === 1, 'emitter socketsJoin');
    emitter.serverSideEmit('ping-servers', 'from-emitter');
    await waitFor(() => [a!, b!, c!].every((n) => n.serverSide.some((e) => e.arg === 'from-emitter')), 20000, 'server-side');
    const victim = await client(c!.url, { name: 'ev', room: 'victims' });
    emitter.of('/').to('victims').disconnectSockets(true);
    await waitFor(() => victim.disconnects.includes('io server disconnect'), 20000, 'emitter disconnectSockets');
  });

  await t.test('a client recovers on another node with the broadcasts it missed (read from JetStream)', async () => {
    const proxy = await SwitchProxy.start(a!.port);
    proxies.push(proxy);
    const r = await client(proxy.url, { name: 'r', room: 'news' });
    // sees what is published on the bus: two nodes publish on two connections, so the next one waits for the last
    const w = await client(c!.url, { name: 'w', room: 'news' });
    const seen = (n: number) => (): boolean => got(w, 'item').some((e) => e[1] === n);
    const id = r.socket.id;
    await b!.call('emit', { rooms: ['news'], event: 'item', args: [1] });
    await waitFor(() => got(r, 'item').length === 1, 20000, 'first item');
    proxy.target = null;
    proxy.cut();
    await waitFor(() => r.disconnects.length === 1, 20000, 'cut');
    await sleep(200);
    await b!.call('emit', { rooms: ['news'], event: 'item', args: [2] });
    await waitFor(seen(2), 20000, 'item 2 on the bus');
    await c!.call('emit', { event: 'item', args: [3] });
    await c!.call('emit', { rooms: ['elsewhere'], event: 'item', args: [-1] });
    await waitFor(seen(3), 20000, 'item 3 on the bus');
    proxy.target = c!.port;
    await waitFor(() => r.socket.connected && got(r, 'item').length >= 3, 20000, 'recovery');
    await sleep(300);
    assert.equal(r.socket.recovered, true);
    assert.equal(r.socket.id, id);
    assert.deepEqual(got(r, 'item').map((e) => e[1]), [1, 2, 3]);
  });

  await t.test('NATS killed and restarted: cross-node delivery resumes, in order, nothing lost once it is back', async () => {
    await nats.kill();
    await sleep(500);
    await nats.restart();
    // a broadcast published while a receiver has not resubscribed yet may be lost: send probes until one arrives
    let probe = 0;
    await eventually(async () => {
      await a!.call('emit', { event: 'probe', args: [probe++] });
      await sleep(200);
      return all.every((x) => got(x, 'probe').length > 0);
    }, 'delivery after the restart', 30000);
    await b!.call('burst', { event: 'after', count: 200 });
    await waitFor(() => all.every((x) => got(x, 'after').length >= 200), 30000, 'after the restart');
    for (const x of all) assert.deepEqual(got(x, 'after').map((e) => e[1]), Array.from({ length: 200 }, (_, i) => i));
    await waitForCount([a!, b!, c!], 3);
  });

  await t.test('NATS restarted under load: every broadcast reaches every client, in order, once', async () => {
    await a!.call('ticker', { event: 'tick', interval: 10 });
    await waitFor(() => all.every((x) => got(x, 'tick').length > 20), 20000, 'ticks before');
    await nats.kill();
    await sleep(1000);
    await nats.restart();
    const mark = got(ca, 'tick').length;
    await waitFor(() => [cb, cc].every((x) => got(x, 'tick').some((e) => (e[1] as number) > mark)), 30000, 'ticks after');
    await sleep(1000);
    await a!.call('stopTicker', { event: 'tick' });
    const last = await waitFor(() => {
      const n = got(ca, 'tick').length;
      return n > 0 && [cb, cc].every((x) => got(x, 'tick').at(-1)![1] === n - 1) ? n : false;
    }, 30000, 'the last tick everywhere');
    for (const x of all) {
      assert.deepEqual(got(x, 'tick').map((e) => e[1]), Array.from({ length: last }, (_, i) => i), 'all, in order, once');
    }
  });

  await t.test('a node killed: its client recovers on a survivor; requests stop waiting for it', async () => {
    const proxy = await SwitchProxy.start(c!.port);
    proxies.push(proxy);
    const k = await client(proxy.url, { name: 'k', room: 'kroom' });
    const id = k.socket.id;
    await a!.call('emit', { rooms: ['kroom'], event: 'k', args: [1] });
    await waitFor(() => got(k, 'k').length === 1, 20000, 'first k');
    await sleep(500);   // the live session is saved on the room change
    proxy.target = null;
    await c!.kill();
    await waitFor(() => k.disconnects.length === 1, 20000, 'node killed');
    await a!.call('emit', { rooms: ['kroom'], event: 'k', args: [2] });
    const started = Date.now();
    const answer = await a!.call<{ error: string | null; responses: string[] }>('serverSideEmit',
      { event: 'ping-servers', args: ['y'], ack: true });
    assert.ok(Date.now() - started < 20000);
    assert.deepEqual(answer.responses, ['pong-B-y']);
    await waitForCount([a!, b!], 2);
    proxy.target = b!.port;
    await waitFor(() => k.socket.connected && got(k, 'k').length >= 2, 20000, 'recovery on a survivor');
    assert.equal(k.socket.recovered, true);
    assert.equal(k.socket.id, id);
    assert.deepEqual(got(k, 'k').map((e) => e[1]), [1, 2]);
  });
});

test('core NATS only (no JetStream): broadcasts, requests, acks', async () => {
  const [a, b] = await startNodes(['D', 'E'], { prefix: 'core', jetstream: false });
  const cd = await client(a!.url, { name: 'cd', room: 'r' });
  const ce = await client(b!.url, { name: 'ce' });
  await a!.call('emit', { event: 'hello', args: [{ $bin: [9] }] });
  await b!.call('emit', { rooms: ['r'], event: 'r', args: [] });
  await waitFor(() => got(cd, 'hello').length === 1 && got(ce, 'hello').length === 1 && got(cd, 'r').length === 1, 20000, 'core');
  assert.equal(got(ce, 'hello')[0]!.length, 2, 'no offset without JetStream');
  const sockets = await b!.call<Array<{ data: { name: string } }>>('fetchSockets');
  assert.deepEqual(sockets.map((s) => s.data.name).sort(), ['cd', 'ce']);
  const acks = await a!.call<{ responses: string[] }>('emitWithAck', { event: 'ask', args: ['z'], timeout: 10000 });
  assert.deepEqual(acks.responses.sort(), ['cd:z', 'ce:z']);
  const nc = await connect({ servers: nats.url });
  try {
    new Emitter(nc, { prefix: 'core' }).to('r').emit('emitted', 1);
    await waitFor(() => got(cd, 'emitted').length === 1, 20000, 'core emitter');
    assert.deepEqual(got(cd, 'emitted')[0], ['emitted', 1]);
    await sleep(200);
    assert.equal(got(ce, 'emitted').length, 0);
  } finally {
    await nc.close();
  }
});

// Connection state recovery across servers, server crashes and Redis outages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RedisServer } from './redis.js';
import { ClusterNode, connectClient, waitFor, sleep, type TestClient } from './cluster.js';
import { SwitchProxy } from './proxy.js';

let redis: RedisServer;
const nodes: Record<string, ClusterNode> = {};
const proxies: SwitchProxy[] = [];
const clients: TestClient[] = [];

const received = (c: TestClient, event: string): unknown[][] => c.events.filter((e) => e[0] === event);
const whoami = (c: TestClient): Promise<{ node: string; id: string; rooms: string[] }> =>
  new Promise((r) => c.socket.emit('whoami', r));

before(async () => {
  redis = await RedisServer.start();
  for (const name of ['A', 'B', 'C', 'D']) {
    nodes[name] = await ClusterNode.start({ kind: 'socketeer', name, redisPort: redis.port, recovery: true, requestsTimeout: 6000,
      heartbeatInterval: 300, heartbeatTimeout: 1500 });
  }
  for (const node of Object.values(nodes)) {
    const deadline = Date.now() + 5000;
    while ((await node.call<number>('serverCount')) < 4) {
      if (Date.now() > deadline) throw new Error('nodes did not see each other');
      await sleep(20);
    }
  }
});

after(async () => {
  for (const c of clients) c.socket.close();
  for (const p of proxies) await p.close();
  for (const node of Object.values(nodes)) {
    assert.deepEqual(node.crashes, [], `node ${node.config.name} crashed`);
    await node.stop();
  }
  await redis.stop();
});

async function clientThrough(target: ClusterNode, room: string): Promise<{ client: TestClient; proxy: SwitchProxy }> {
  const proxy = await SwitchProxy.start(target.port);
  proxies.push(proxy);
  const client = await connectClient(proxy.url, { query: { name: room, room } });
  clients.push(client);
  return { client, proxy };
}

test('a client cut from one server recovers its session and missed events on another', async () => {
  const { client, proxy } = await clientThrough(nodes.A!, 'r1');
  const first = await whoami(client);
  assert.equal(first.node, 'A');
  await nodes.B!.call('emit', { rooms: ['r1'], event: 'before', args: [1] });
  await waitFor(() => received(client, 'before').length === 1);
  proxy.target = null;
  proxy.cut();
  await waitFor(() => client.disconnects.length === 1);
  await sleep(100); // A notices the closed transport and saves the session
  await nodes.B!.call('emit', { rooms: ['r1'], event: 'missed', args: [1] });
  await nodes.C!.call('emit', { event: 'missed', args: [2] });
  await nodes.B!.call('emit', { rooms: ['elsewhere'], event: 'not-for-me' });
  await nodes.B!.call('emit', { rooms: ['r1'], event: 'missed', args: [3] });
  await sleep(100);
  proxy.target = nodes.C!.port;
  await waitFor(() => client.socket.connected && received(client, 'missed').length === 3, 5000, 'recovery');
  assert.equal(client.socket.recovered, true);
  assert.equal(client.socket.id, first.id);
  // events of one server keep their order; events of different servers have no defined relative order
  const missed = received(client, 'missed').map((e) => e[1] as number);
  assert.deepEqual([...missed].sort(), [1, 2, 3]);
  assert.ok(missed.indexOf(1) < missed.indexOf(3));
  assert.equal(received(client, 'not-for-me').length, 0);
  const second = await whoami(client);
  assert.equal(second.node, 'C');
  assert.ok(second.rooms.includes('r1'), 'rooms are restored');
  await nodes.D!.call('emit', { rooms: ['r1'], event: 'after' });
  await waitFor(() => received(client, 'after').length === 1);
});

test('clients of a killed server reconnect to a survivor and recover the events they missed', async () => {
  const { client, proxy } = await clientThrough(nodes.A!, 'r2');
  const first = await whoami(client);
  await nodes.B!.call('emit', { rooms: ['r2'], event: 'tick', args: [0] });
  await waitFor(() => received(client, 'tick').length === 1);
  await sleep(50); // the live session record is written asynchronously
  proxy.target = null;
  await nodes.A!.kill();
  await waitFor(() => client.disconnects.length === 1);
  await nodes.B!.call('emit', { rooms: ['r2'], event: 'tick', args: [1] });
  await nodes.C!.call('emit', { rooms: ['r2'], event: 'tick', args: [2] });
  proxy.target = nodes.B!.port;
  await waitFor(() => client.socket.connected && received(client, 'tick').length === 3, 5000, 'recovery after crash');
  assert.equal(client.socket.recovered, true);
  assert.equal(client.socket.id, first.id);
  assert.deepEqual(received(client, 'tick').map((e) => e[1] as number).sort(), [0, 1, 2]);
  assert.equal(received(client, 'tick')[0]![1], 0);
  assert.equal((await whoami(client)).node, 'B');
});

test('a request waiting on a server that dies resolves with the responses that arrived', async () => {
  const started = Date.now();
  const pending = nodes.B!.call('serverSideEmit', { event: 'ping-servers', args: ['silent-D'], ack: true });
  await waitFor(() => nodes.D!.serverSide.some((e) => e.arg === 'silent-D'));
  await nodes.D!.kill();
  const res = await pending;
  assert.equal(res.error, null);
  assert.deepEqual(res.responses, ['pong-C-silent-D']);
  assert.ok(Date.now() - started < 5000, `resolved before the 6000 ms timeout (${Date.now() - started} ms)`);
});

test('a request waiting on a stuck server (frozen, its Redis connection open) resolves once its heartbeats stop', async () => {
  const e = await ClusterNode.start({ kind: 'socketeer', name: 'E', redisPort: redis.port, recovery: true, requestsTimeout: 6000,
    heartbeatInterval: 300, heartbeatTimeout: 1500 });
  try {
    const deadline = Date.now() + 5000;
    while ((await nodes.B!.call<number>('serverCount')) < 3) {
      if (Date.now() > deadline) throw new Error('E did not join');
      await sleep(20);
    }
    await sleep(600); // B hears E's heartbeat
    e.signal('SIGSTOP');
    const started = Date.now();
    const res = await nodes.B!.call('serverSideEmit', { event: 'ping-servers', args: ['frozen'], ack: true });
    const took = Date.now() - started;
    assert.equal(res.error, null);
    assert.deepEqual(res.responses, ['pong-C-frozen']);
    assert.ok(took < 5000, `resolved before the 6000 ms timeout (${took} ms)`);
    assert.equal(await nodes.B!.call<number>('serverCount'), 2, 'a stuck server is not counted');
  } finally {
    e.signal('SIGCONT');
    await e.kill();
  }
});

test('Redis killed under load: local delivery goes on, requests time out, cross-server delivery resumes', async () => {
  const onB = await connectClient(nodes.B!.url, { query: { name: 'b' } });
  const onC = await connectClient(nodes.C!.url, { query: { name: 'c' } });
  clients.push(onB, onC);
  await nodes.B!.call('ticker', { event: 'load', interval: 10 });
  await waitFor(() => received(onC, 'load').length > 10, 5000, 'cross-server ticks');
  await redis.kill();
  await sleep(300);
  const cBefore = received(onC, 'load').length;
  const bBefore = received(onB, 'load').length;
  const started = Date.now();
  const fetched = await nodes.C!.call('fetchSockets', { timeout: 800 }).then(() => 'resolved', (err: Error) => err.message);
  assert.match(fetched, /timeout reached/);
  assert.ok(Date.now() - started < 3000, `the request failed on time (${Date.now() - started} ms)`);
  await sleep(200);
  assert.ok(received(onB, 'load').length > bBefore + 20, 'local delivery continues during the outage');
  assert.equal(received(onC, 'load').length, cBefore, 'nothing crosses servers during the outage');
  await redis.restart();
  const back = Date.now();
  await waitFor(() => received(onC, 'load').length > cBefore, 5000, 'cross-server delivery after the outage');
  assert.ok(Date.now() - back < 2000, `resumed within 2 s (${Date.now() - back} ms)`);
  await nodes.B!.call('stopTicker', { event: 'load' });
  const seq = received(onB, 'load').map((e) => e[1] as number);
  assert.deepEqual(seq, seq.slice().sort((x, y) => x - y), 'local order kept');
  for (const node of [nodes.B!, nodes.C!]) assert.equal(node.exited, false);
  // requests work again
  const sockets = await nodes.C!.call<any[]>('fetchSockets', { timeout: 5000 });
  assert.ok(sockets.some((s) => s.id === onB.socket.id));
});

test('servers started while Redis is unreachable serve local clients, then join the cluster', async () => {
  const late = await RedisServer.prepare();
  const [e, f] = await Promise.all(['E', 'F'].map((name) =>
    ClusterNode.start({ kind: 'socketeer', name, redisPort: late.port, key: 'late' })));
  try {
    const onE = await connectClient(e!.url, { query: { name: 'e' } });
    const onF = await connectClient(f!.url, { query: { name: 'f' } });
    clients.push(onE, onF);
    await e!.call('emit', { event: 'local' });
    await waitFor(() => received(onE, 'local').length === 1);
    await late.restart();
    let n = 0;
    const deadline = Date.now() + 8000;
    while (received(onF, 'joined').length === 0) {
      if (Date.now() > deadline) throw new Error('servers never joined after Redis came up');
      await e!.call('emit', { event: 'joined', args: [n++] });
      await sleep(100);
    }
    assert.deepEqual(e!.crashes, []);
    assert.deepEqual(f!.crashes, []);
  } finally {
    await Promise.all([e!.stop(), f!.stop()]);
    await late.stop();
  }
});

// Long-polling without session affinity: every HTTP request of a client goes to the next of three servers (a
// round-robin proxy); requests for sessions owned by another server are forwarded through Redis.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RedisServer } from './redis.js';
import { ClusterNode, connectClient, waitFor, sleep, type TestClient } from './cluster.js';
import { RoundRobinProxy } from './proxy.js';

let redis: RedisServer;
let nodes: ClusterNode[];
let proxy: RoundRobinProxy;
let client: TestClient;

before(async () => {
  redis = await RedisServer.start();
  nodes = await Promise.all(['A', 'B', 'C'].map((name) =>
    ClusterNode.start({ kind: 'socketeer', name, redisPort: redis.port, forwardPolling: true, pingInterval: 500 })));
  for (const node of nodes) {
    const deadline = Date.now() + 5000;
    while ((await node.call<number>('serverCount')) < nodes.length) {
      if (Date.now() > deadline) throw new Error('nodes did not see each other');
      await sleep(20);
    }
  }
  proxy = await RoundRobinProxy.start(nodes.map((n) => n.port));
  client = await connectClient(proxy.url, { transports: ['polling'], upgrade: false, reconnection: false, query: { name: 'poller' } });
});

after(async () => {
  client.socket.close();
  await proxy.close();
  for (const node of nodes) assert.deepEqual(node.crashes, []);
  await Promise.all(nodes.map((n) => n.stop()));
  await redis.stop();
});

const received = (event: string): unknown[][] => client.events.filter((e) => e[0] === event);

test('a polling client whose requests hit every server stays connected and exchanges 1,000 messages in order', async () => {
  const owner = await new Promise<{ node: string }>((r) => client.socket.emit('whoami', r));
  assert.ok(['A', 'B', 'C'].includes(owner.node));
  // in 20 rounds, so that many requests cross the proxy
  for (let round = 0; round < 20; round++) {
    for (let i = round * 50; i < (round + 1) * 50; i++) client.socket.emit('relay', i);
    await waitFor(() => received('relayed').length >= (round + 1) * 50, 10000, `round ${round}`);
  }
  assert.deepEqual(received('relayed').map((e) => e[1]), Array.from({ length: 1000 }, (_, i) => i));
  assert.ok(proxy.counts.every((n) => n >= 10), `every server got many requests (${proxy.counts})`);
  assert.ok(client.socket.connected);
  assert.deepEqual(client.disconnects, []);
});

test('broadcasts from any server reach the polling client, and it outlives several heartbeats', async () => {
  for (const [i, node] of nodes.entries()) await node.call('emit', { event: 'hello', args: [i] });
  await waitFor(() => received('hello').length === 3);
  assert.deepEqual(received('hello').map((e) => e[1]).sort(), [0, 1, 2]);
  await sleep(2500); // pingInterval is 500 ms: pings and pongs cross servers too
  assert.ok(client.socket.connected);
  assert.deepEqual(client.disconnects, []);
  const acked = await new Promise<unknown>((r) => client.socket.emit('echo', 'still here', r));
  assert.equal(acked, 'still here');
});

test('a request for a session no server owns gets the Engine.IO unknown-sid error', async () => {
  const res = await fetch(`${proxy.url}/socket.io/?EIO=4&transport=polling&sid=nosuchsession`);
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), { code: 1, message: 'Session ID unknown' });
});

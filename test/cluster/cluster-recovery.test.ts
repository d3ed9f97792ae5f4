// Connection state recovery across servers on a Redis Cluster (sessions and broadcast history spread over the
// shards), with the sharded adapter (redis v4) and the classic one (ioredis).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RedisCluster } from './redis.js';
import { ClusterNode, connectClient, waitFor, sleep, type TestClient } from './cluster.js';
import { SwitchProxy } from './proxy.js';

let cluster: RedisCluster;
const started: ClusterNode[] = [];
const proxies: SwitchProxy[] = [];
const clients: TestClient[] = [];

before(async () => {
  cluster = await RedisCluster.start(3);
});

after(async () => {
  for (const c of clients) c.socket.close();
  for (const p of proxies) await p.close();
  for (const node of started) assert.deepEqual(node.crashes, []);
  await Promise.all(started.map((n) => n.stop()));
  await cluster?.stop();
});

for (const [adapter, library] of [['sharded', 'redis'], ['classic', 'ioredis']] as const) {
  test(`${adapter} adapter (${library}): a client recovers on another server with the events it missed`, async () => {
    const clusterPorts = cluster.nodes.map((n) => n.port);
    const key = `rec-${adapter}`;
    const [a, b] = await Promise.all(['A', 'B'].map((name) =>
      ClusterNode.start({ kind: 'socketeer', name, clusterPorts, adapter, library, recovery: true, key })));
    started.push(a!, b!);
    const deadline = Date.now() + 5000;
    while ((await a!.call<number>('serverCount')) < 2 || (await b!.call<number>('serverCount')) < 2) {
      if (Date.now() > deadline) throw new Error('servers did not see each other');
      await sleep(20);
    }
    const proxy = await SwitchProxy.start(a!.port);
    proxies.push(proxy);
    const client = await connectClient(proxy.url, { query: { name: 'r', room: 'news' } });
    clients.push(client);
    const id = client.socket.id;
    await sleep(300); // with per-room channels, A subscribes to the room's channel asynchronously
    await b!.call('emit', { rooms: ['news'], event: 'item', args: [1] });
    await waitFor(() => client.events.some((e) => e[0] === 'item'));
    proxy.target = null;
    proxy.cut();
    await waitFor(() => client.disconnects.length === 1);
    await sleep(100);
    await b!.call('emit', { rooms: ['news'], event: 'item', args: [2] });
    await b!.call('emit', { rooms: ['news'], event: 'item', args: [3] });
    await sleep(100);
    proxy.target = b!.port;
    await waitFor(() => client.socket.connected && client.events.filter((e) => e[0] === 'item').length === 3, 5000, 'recovery');
    assert.equal(client.socket.recovered, true);
    assert.equal(client.socket.id, id);
    assert.deepEqual(client.events.filter((e) => e[0] === 'item').map((e) => e[1]), [1, 2, 3]);
  });
}

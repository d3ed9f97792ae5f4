// The chat demo on several processes: 3 nodes sharing one private redis-server, behind the round-robin proxy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { io as ioc, type Socket as ClientSocket } from '../../src/client/index.js';
import { startCluster, type Cluster } from './cluster.js';
import type { Snapshot } from './metrics.js';

let cluster: Cluster;
const sockets: ClientSocket[] = [];

before(async () => {
  cluster = await startCluster({ port: 0 });
});

after(async () => {
  for (const s of sockets) s.disconnect();
  await cluster?.close();
});

function client(url: string, auth: Record<string, unknown>, transports: string[]): ClientSocket {
  const s = ioc(url, { forceNew: true, reconnection: false, auth, transports });
  sockets.push(s);
  return s;
}

function next<T = any>(s: ClientSocket, ev: string, pred: (arg: T) => boolean = () => true, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const fn = (arg: T) => {
      if (!pred(arg)) return;
      clearTimeout(t);
      s.off(ev, fn);
      resolve(arg);
    };
    const t = setTimeout(() => {
      s.off(ev, fn);
      reject(new Error(`timeout waiting for ${ev}`));
    }, ms);
    s.on(ev, fn);
  });
}

/** Signs in through the proxy (any node answers; the token is valid on every node). */
async function login(name: string): Promise<{ token: string; cookie: string }> {
  const res = await fetch(cluster.url + '/api/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: name, password: `${name}-password` }),
  });
  assert.equal(res.status, 200);
  return { token: ((await res.json()) as { token: string }).token, cookie: res.headers.get('set-cookie')!.split(';')[0]! };
}

test('two users on different nodes chat; a polling client through the proxy follows; the dashboard lists 3 nodes', async () => {
  const [a, b] = await Promise.all([login('alice'), login('bob')]);
  const [n1, n2, n3] = cluster.nodes;

  // users and refresh sessions are shared: a refresh cookie from one node works on all of them
  for (const n of cluster.nodes) {
    const res = await fetch(n.url + '/api/token', { method: 'POST', headers: { cookie: b.cookie, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 200, n.id);
  }

  const alice = client(n1!.url, { token: a.token }, ['websocket']);
  const bob = client(n2!.url, { token: b.token }, ['websocket']);
  // long-polling through the proxy without affinity: most requests reach a node that does not own the session
  const poller = client(cluster.url, { token: b.token }, ['polling']);
  await Promise.all([next(alice, 'connect'), next(bob, 'connect'), next(poller, 'connect')]);

  assert.deepEqual((await alice.emitWithAck('room:join', 'general')).ok, true);
  await bob.emitWithAck('room:join', 'general');
  // presence is replicated between the nodes: the members of another node arrive within a diff interval
  const everyone = (p: { room: string; users: string[] }) => p.room === 'general' && p.users.join() === 'alice,bob';
  const joined = await poller.emitWithAck('room:join', 'general');
  assert.ok(joined.users.includes('bob'), 'the joiner is in the list at once');
  if (joined.users.length < 2) await next(poller, 'presence', everyone, 15_000);

  const atBob = next(bob, 'message');
  const atPoller = next(poller, 'message');
  const ack = await alice.emitWithAck('message', { room: 'general', text: 'hello from node-1' });
  assert.equal(ack.ok, true);
  assert.equal((await atBob).text, 'hello from node-1');
  assert.equal((await atPoller).text, 'hello from node-1');

  // the history is shared: a newcomer on a third node sees the message
  const carol = client(n3!.url, { token: b.token }, ['websocket']);
  await next(carol, 'connect');
  const history = (await carol.emitWithAck('room:join', 'general')).history as Array<{ text: string }>;
  assert.ok(history.some((m) => m.text === 'hello from node-1'));

  // the dashboard on node-3 gathers every node
  const dash = client(n3!.url + '/admin', { token: a.token }, ['websocket']);
  const snap = await next<Snapshot>(dash, 'snapshot', (s) => (s.nodes?.length ?? 0) === 3 && s.clients.length >= 4);
  assert.deepEqual(snap.nodes!.map((n) => n.id), ['node-1', 'node-2', 'node-3']);
  const perNode = Object.fromEntries(snap.nodes!.map((n) => [n.id, n.clients]));
  assert.ok(perNode['node-1']! >= 1 && perNode['node-2']! >= 1 && perNode['node-3']! >= 2, JSON.stringify(perNode));
  assert.equal(snap.clients.filter((c) => c.user === 'alice' && c.node === 'node-1').length, 1);
  // every node reports its credentials and limits counters (their configured limits: the defaults)
  assert.ok(snap.nodes!.every((n) => n.guard.maxConnectionsPerAddress === 50 && n.guard.eventsPerSecond === 30), JSON.stringify(snap.nodes));
  assert.deepEqual([snap.guard.maxConnectionsPerAddress, snap.guard.eventsPerSecond], [50, 30]);
  assert.ok(snap.rooms.some((r) => r.name === 'general' && r.members === 4), JSON.stringify(snap.rooms));
});

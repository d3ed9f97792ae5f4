// The cross-node test list, run by several suites on different mixes of servers (all Socketeer; socket.io + Socketeer).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RedisCluster, RedisServer } from './redis.js';
import { ClusterNode, connectClient, waitFor, sleep, type NodeConfig, type TestClient } from './cluster.js';

/** Options of {@link defineClusterSuite}. */
export interface SuiteOptions {
  /** One entry per server: its kind. */
  kinds: Array<NodeConfig['kind']>;
  /** Redis client library of the servers. */
  library?: 'ioredis' | 'redis';
  /** Extra checks with the emitter (needs a Redis client in the test process). */
  emitter?: boolean;
  /** Sharded adapter on a Redis Cluster (3 masters). */
  sharded?: boolean;
  /** Redis Cluster (3 masters) with the classic adapter. */
  cluster?: boolean;
  /** Answers on the requester's own response channel. */
  specificResponses?: boolean;
}

/**
 * Declares the cross-node tests: 3 servers on one Redis, 2 clients per server (rooms `even`/`odd`, plus one
 * personal room each).
 */
export function defineClusterSuite(opts: SuiteOptions): void {
  let redis: RedisServer | undefined;
  let cluster: RedisCluster | undefined;
  const nodes: ClusterNode[] = [];
  const clients: TestClient[] = [];
  const names = ['A', 'B', 'C'];

  before(async () => {
    const where: Partial<NodeConfig> = {};
    if (opts.sharded || opts.cluster) {
      cluster = await RedisCluster.start(3);
      where.clusterPorts = cluster.nodes.map((n) => n.port);
      where.adapter = opts.sharded ? 'sharded' : 'classic';
    } else {
      redis = await RedisServer.start();
      where.redisPort = redis.port;
    }
    nodes.push(...await Promise.all(opts.kinds.map((kind, i) =>
      ClusterNode.start({ kind, name: names[i]!, library: opts.library, specificResponses: opts.specificResponses, ...where }))));
    // every node sees the others once all subscriptions are active
    for (const node of nodes) {
      const deadline = Date.now() + 10000;
      while ((await node.call<number>('serverCount')) < nodes.length) {
        if (Date.now() > deadline) {
          const counts = await Promise.all(nodes.map((n) => n.call<number>('countServers')));
          throw new Error(`nodes did not see each other (server counts ${counts}${cluster ? `, cluster ${await cluster.describe()}` : ''})`);
        }
        await sleep(20);
      }
    }
    for (let i = 0; i < nodes.length * 2; i++) {
      const node = nodes[i % nodes.length]!;
      clients.push(await connectClient(node.url, { query: { name: `c${i}`, room: i % 2 === 0 ? 'even' : 'odd' } }));
    }
  });

  after(async () => {
    for (const c of clients) c.socket.close();
    for (const node of nodes) assert.deepEqual(node.crashes, [], `node ${node.config.name} crashed`);
    await Promise.all(nodes.map((n) => n.stop()));
    await redis?.stop();
    await cluster?.stop();
  });

  const received = (c: TestClient, event: string): unknown[][] => c.events.filter((e) => e[0] === event);
  const allReceived = (event: string, who: TestClient[], count = 1): Promise<unknown> =>
    waitFor(() => who.every((c) => received(c, event).length >= count), 10000, `${event} on every client`);

  test('a broadcast from any server reaches the clients of every server', async () => {
    for (const [i, node] of nodes.entries()) {
      await node.call('emit', { event: `all-${i}`, args: [i, { from: node.config.name }] });
      await allReceived(`all-${i}`, clients);
      for (const c of clients) assert.deepEqual(received(c, `all-${i}`), [[`all-${i}`, i, { from: node.config.name }]]);
    }
  });

  test('binary arguments cross servers', async () => {
    await nodes[1]!.call('emit', { event: 'bin', args: ['x', { $bin: [1, 2, 3] }] });
    await allReceived('bin', clients);
    for (const c of clients) {
      const [, x, bytes] = received(c, 'bin')[0]!;
      assert.equal(x, 'x');
      assert.deepEqual([...new Uint8Array(bytes as ArrayBuffer)], [1, 2, 3]);
    }
  });

  test('room broadcasts reach only the room, on every server, and except excludes', async () => {
    await nodes[1]!.call('emit', { rooms: ['even'], event: 'to-even' });
    const even = clients.filter((_, i) => i % 2 === 0);
    const odd = clients.filter((_, i) => i % 2 === 1);
    await allReceived('to-even', even);
    await nodes[2]!.call('emit', { except: ['even'], event: 'not-even' });
    await allReceived('not-even', odd);
    await nodes[0]!.call('emit', { rooms: ['even', 'odd'], except: [clients[3]!.socket.id!], event: 'two-rooms' });
    await allReceived('two-rooms', clients.filter((c) => c !== clients[3]));
    await sleep(100);
    for (const c of odd) assert.equal(received(c, 'to-even').length, 0);
    for (const c of even) assert.equal(received(c, 'not-even').length, 0);
    assert.equal(received(clients[3]!, 'two-rooms').length, 0);
    for (const c of clients) assert.ok(received(c, 'two-rooms').length <= 1, 'a socket in two rooms gets one copy');
  });

  test('io.local skips the other servers', async () => {
    await nodes[0]!.call('emit', { local: true, event: 'local-only' });
    const mine = clients.filter((_, i) => i % nodes.length === 0);
    await allReceived('local-only', mine);
    await sleep(100);
    for (const c of clients) if (!mine.includes(c)) assert.equal(received(c, 'local-only').length, 0);
  });

  test('acks are collected from the clients of every server', async () => {
    for (const c of clients) {
      c.socket.off('question');
      c.socket.on('question', (n: number, cb: (v: string) => void) => cb(`${c.socket.io.opts.query!.name}:${n * 2}`));
    }
    for (const node of nodes) {
      const res = await node.call('emitWithAck', { timeout: 5000, event: 'question', args: [21] });
      assert.equal(res.error, undefined);
      assert.deepEqual([...res.responses].sort(), clients.map((_, i) => `c${i}:42`).sort());
    }
    const roomRes = await nodes[2]!.call('emitWithAck', { timeout: 5000, rooms: ['odd'], event: 'question', args: [1] });
    assert.deepEqual([...roomRes.responses].sort(), ['c1:2', 'c3:2', 'c5:2']);
  });

  test('acks time out with the responses that arrived when a client does not answer', async () => {
    clients[4]!.socket.off('question');
    const res = await nodes[0]!.call('emitWithAck', { timeout: 1500, event: 'question', args: [5] });
    assert.equal(res.error, 'operation has timed out');
    assert.equal(res.responses.length, clients.length - 1);
    clients[4]!.socket.on('question', (n: number, cb: (v: string) => void) => cb(`c4:${n * 2}`));
  });

  test('fetchSockets returns the sockets of every server with id, rooms and data', async () => {
    for (const node of nodes) {
      const sockets = await node.call<any[]>('fetchSockets', {});
      assert.equal(sockets.length, clients.length);
      for (const [i, c] of clients.entries()) {
        const s = sockets.find((x) => x.id === c.socket.id);
        assert.ok(s, `socket of c${i} found from ${node.config.name}`);
        assert.equal(s.data.name, `c${i}`);
        assert.equal(s.data.node, names[i % nodes.length]);
        assert.ok(s.rooms.includes(i % 2 === 0 ? 'even' : 'odd'));
        assert.ok(s.rooms.includes(c.socket.id));
        assert.equal(s.query.name, `c${i}`);
      }
    }
    const odd = await nodes[0]!.call<any[]>('fetchSockets', { rooms: ['odd'] });
    assert.deepEqual(odd.map((s) => s.data.name).sort(), ['c1', 'c3', 'c5']);
  });

  test('remote sockets join, leave, receive and disconnect across servers', async () => {
    const c = clients[1]!; // on node B
    const id = c.socket.id!;
    await nodes[0]!.call('remote', { socketId: id, action: 'join', room: 'vip' });
    const who = await waitForValue(async () => {
      const r = await new Promise<any>((res) => c.socket.emit('whoami', res));
      return r.rooms.includes('vip') ? r : undefined;
    });
    assert.equal(who.node, 'B');
    // with per-room channels (sharded, dynamic mode) B subscribes to the new room's channel asynchronously
    if (opts.sharded) await sleep(200);
    await nodes[2]!.call('emit', { rooms: ['vip'], event: 'vip-news' });
    await allReceived('vip-news', [c]);
    await nodes[2]!.call('remote', { socketId: id, action: 'leave', room: 'vip' });
    await waitForValue(async () => {
      const r = await new Promise<any>((res) => c.socket.emit('whoami', res));
      return r.rooms.includes('vip') ? undefined : r;
    });
    await nodes[0]!.call('remote', { socketId: id, action: 'emit', event: 'direct', args: ['hi'] });
    await allReceived('direct', [c]);
    assert.deepEqual(received(c, 'direct'), [['direct', 'hi']]);
    const victim = await connectClient(nodes[2]!.url, { query: { name: 'victim' }, reconnection: false });
    const gone = new Promise<string>((r) => victim.socket.once('disconnect', (reason) => r(reason)));
    await nodes[0]!.call('remote', { socketId: victim.socket.id, action: 'disconnect' });
    assert.equal(await gone, 'io server disconnect');
  });

  test('socketsJoin, socketsLeave and disconnectSockets act on every server', async () => {
    await nodes[0]!.call('socketsJoin', { rooms: ['even'], room: 'team' });
    await waitForValue(async () => {
      const sockets = await nodes[2]!.call<any[]>('fetchSockets', { rooms: ['team'] });
      return sockets.length === 3 ? sockets : undefined;
    });
    if (opts.sharded) await sleep(200);
    await nodes[0]!.call('emit', { rooms: ['team'], event: 'team-news' });
    await allReceived('team-news', clients.filter((_, i) => i % 2 === 0));
    await nodes[2]!.call('socketsLeave', { rooms: ['team'], room: 'team' });
    await waitForValue(async () => {
      const sockets = await nodes[0]!.call<any[]>('fetchSockets', { rooms: ['team'] });
      return sockets.length === 0 ? true : undefined;
    });
    const extra = await Promise.all(nodes.map((n, i) => connectClient(n.url, { query: { name: `x${i}`, room: 'doomed' }, reconnection: false })));
    const reasons = extra.map((c) => new Promise<string>((r) => c.socket.once('disconnect', (reason) => r(reason))));
    // with a reason for the clients: it travels with the request (an extra field an official adapter ignores)
    const details = { reason: 'kicked', message: 'bye', data: { by: 'B' } };
    await nodes[1]!.call('disconnectSockets', { rooms: ['doomed'], details });
    assert.deepEqual(await Promise.all(reasons), ['io server disconnect', 'io server disconnect', 'io server disconnect']);
    // each Socketeer server tells its clients why, just before the DISCONNECT; socket.io's cannot
    const told = extra.map((c) => c.events.filter(([ev]) => ev === 'socketeer:disconnect'));
    assert.deepEqual(told, opts.kinds.map((kind) => (kind === 'socketeer' ? [['socketeer:disconnect', details]] : [])));
    for (const c of clients) assert.ok(c.socket.connected, 'sockets outside the room stay connected');
  });

  test('serverSideEmit reaches the other servers, with and without acks', async () => {
    await nodes[0]!.call('serverSideEmit', { event: 'note', args: ['n1'] });
    await waitFor(() => nodes[1]!.serverSide.some((e) => e.arg === 'n1') && nodes[2]!.serverSide.some((e) => e.arg === 'n1'));
    await sleep(50);
    assert.equal(nodes[0]!.serverSide.filter((e) => e.arg === 'n1').length, 0, 'not delivered to the sender');
    for (const [i, node] of nodes.entries()) {
      const res = await node.call('serverSideEmit', { event: 'ping-servers', args: [i], ack: true });
      assert.equal(res.error, null);
      const others = names.filter((n) => n !== node.config.name);
      assert.deepEqual([...res.responses].sort(), others.map((n) => `pong-${n}-${i}`).sort());
    }
  });

  if (!opts.sharded) {
    test('allRooms lists the rooms of every server', async () => {
      await nodes[2]!.call('socketsJoin', { rooms: [clients[2]!.socket.id], room: 'only-on-C' });
      for (const node of nodes) {
        const rooms = await waitForValue(async () => {
          const r = await node.call<string[]>('allRooms');
          return r.includes('only-on-C') ? r : undefined;
        });
        for (const c of clients) assert.ok(rooms.includes(c.socket.id!), `${node.config.name} lists the room of every socket`);
        assert.ok(rooms.includes('even') && rooms.includes('odd'));
      }
    });
  }

  test('1,000 numbered broadcasts arrive complete and in order on every server', async () => {
    await nodes[0]!.call('burst', { event: 'seq', count: 1000 });
    await waitFor(() => clients.every((c) => received(c, 'seq').length >= 1000), 15000,
      'all 1000 broadcasts').catch((err: Error) => {
      throw new Error(`${err.message}: got ${clients.map((c) => received(c, 'seq').length)}, disconnects ${clients.map((c) => c.disconnects)}`);
    });
    for (const c of clients) {
      const seq = received(c, 'seq').map((e) => e[1]);
      assert.equal(seq.length, 1000);
      assert.deepEqual(seq, Array.from({ length: 1000 }, (_, i) => i));
    }
  });

  if (opts.emitter) {
    test('@socket.io/redis-emitter from a plain process reaches the clients of every server', async () => {
      const { Emitter } = await import('@socket.io/redis-emitter');
      const { Redis } = await import('ioredis');
      const client = new Redis(redis!.port, '127.0.0.1');
      const emitter = new Emitter(client);
      emitter.emit('from-emitter', 1, 'two');
      await allReceived('from-emitter', clients);
      emitter.to('odd').emit('emitter-odd');
      await allReceived('emitter-odd', clients.filter((_, i) => i % 2 === 1));
      emitter.in('odd').socketsJoin('emitted-room');
      await waitForValue(async () => {
        const sockets = await nodes[0]!.call<any[]>('fetchSockets', { rooms: ['emitted-room'] });
        return sockets.length === 3 ? true : undefined;
      });
      emitter.serverSideEmit('note', 'from-emitter');
      await waitFor(() => nodes.every((n) => n.serverSide.some((e) => e.arg === 'from-emitter')));
      await sleep(100);
      for (const c of clients.filter((_, i) => i % 2 === 0)) assert.equal(received(c, 'emitter-odd').length, 0);
      client.disconnect();
    });
  }
}

/** Polls an async producer until it yields a value. */
export async function waitForValue<T>(fn: () => Promise<T | undefined>, timeout = 10000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out waiting for a value');
    await sleep(20);
  }
}

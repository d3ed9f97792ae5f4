/**
 * Presence replication on the cluster core over an in-process bus that can lose messages: three real servers on
 * 127.0.0.1 with real clients; deltas, a late joiner, lost deltas repaired by clocks, a node going silent.
 * (The same over Redis Streams, PostgreSQL and NATS with node processes: test/cluster/engines/presence-suite.ts.)
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as ioc, type Socket as ClientSocket } from 'socket.io-client';
import { Server } from '../index.js';
import type { AdapterNamespace } from '../adapter-types.js';
import { LocalBus, LocalBusAdapter } from '../../../test/cluster/local-bus.js';
import type { ClusterMessage, ClusterResponse } from '../adapters/cluster/messages.js';
import { PRESENCE_MESSAGE } from '../adapters/cluster/presence-link.js';

/** A node that can be cut off the bus (nothing in, nothing out), as when its link is down or it hangs. */
class CuttableAdapter extends LocalBusAdapter {
  cut = false;
  /** When set, presence messages this node publishes are dropped (others' copies go stale). */
  dropPresence = false;
  protected override doPublish(message: ClusterMessage): Promise<void> {
    if (this.cut || (this.dropPresence && message.type === PRESENCE_MESSAGE)) return Promise.resolve();
    return super.doPublish(message);
  }
  protected override doPublishResponse(to: string, response: ClusterResponse): Promise<void> {
    if (this.cut) return Promise.resolve();
    return super.doPublishResponse(to, response);
  }
  protected override onMessage(message: ClusterMessage, offset?: string): void {
    if (!this.cut) super.onMessage(message, offset);
  }
}

interface Node {
  io: Server;
  http: HttpServer;
  url: string;
  adapter(): CuttableAdapter;
}

const until = async (cond: () => boolean, what: string, timeout = 15_000): Promise<void> => {
  const deadline = Date.now() + timeout;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('presence replicated over the cluster core', () => {
  const bus = new LocalBus();
  const nodes: Node[] = [];
  const clients: ClientSocket[] = [];

  async function start(): Promise<Node> {
    const http = createServer();
    const io = new Server(http, {
      presence: { diffInterval: 20, syncInterval: 200 },
      adapter: (nsp: AdapterNamespace) => new CuttableAdapter(nsp, bus, { heartbeatInterval: 200, heartbeatTimeout: 1500 }),
    });
    io.on('connection', (socket) => {
      const { user, room } = socket.handshake.query;
      io.presence.track(socket, String(room), String(user), { node: nodes.length });
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const node = { io, http, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, adapter: () => io.of('/').adapter as CuttableAdapter };
    nodes.push(node);
    return node;
  }

  async function join(node: Node, user: string, room: string): Promise<ClientSocket> {
    const c = ioc(node.url, { query: { user, room }, transports: ['websocket'], forceNew: true, reconnection: false });
    clients.push(c);
    await new Promise<void>((r) => c.once('connect', () => r()));
    return c;
  }

  const keys = (n: Node, room: string): string[] => Object.keys(n.io.presence.list(room)).sort();
  const metas = (n: Node, room: string): number =>
    Object.values(n.io.presence.list(room)).reduce((sum, { metas: m }) => sum + m.length, 0);

  after(async () => {
    for (const c of clients) c.close();
    for (const n of nodes) await n.io.close();
  });

  it('every node lists every node\'s entries; a late joiner gets the full state', async () => {
    const [a, b] = [await start(), await start()];
    await join(a, 'ann', 'lobby');
    await join(b, 'bob', 'lobby');
    await join(b, 'ann', 'lobby');
    await until(() => [a, b].every((n) => metas(n, 'lobby') === 3), 'both nodes see 3 metas');
    assert.deepEqual(keys(a, 'lobby'), ['ann', 'bob']);
    assert.equal(a.io.presence.count('lobby', { local: true }), 1);
    assert.equal(b.io.presence.count('lobby', { local: true }), 2);
    const c = await start();
    await until(() => keys(c, 'lobby').length === 2 && metas(c, 'lobby') === 3, 'the late joiner has the state');
    assert.equal(c.io.presence.count('lobby'), 2);
  });

  it('lost deltas are repaired by the clocks, without duplicates', async () => {
    const [a, , c] = nodes as [Node, Node, Node];
    a.adapter().dropPresence = true;
    const lost = await join(a, 'cid', 'lobby');
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(!keys(c, 'lobby').includes('cid'), 'the delta was lost');
    a.adapter().dropPresence = false;
    await until(() => keys(c, 'lobby').includes('cid'), 'repaired by the next clock');
    await until(() => nodes.every((n) => metas(n, 'lobby') === 4), 'every node has 4 metas');
    lost.close();
    await until(() => nodes.every((n) => metas(n, 'lobby') === 3 && !keys(n, 'lobby').includes('cid')), 'the leave everywhere');
  });

  it('a node cut off the bus: its entries leave everywhere after the heartbeat timeout, and come back with it', async () => {
    const [a, b, c] = nodes as [Node, Node, Node];
    const leaves: string[] = [];
    const off = a.io.presence.subscribe('lobby', (d) => leaves.push(...Object.keys(d.leaves)));
    b.adapter().cut = true;
    await until(() => keys(a, 'lobby').join() === 'ann' && keys(c, 'lobby').join() === 'ann' && metas(a, 'lobby') === 1,
      'b\'s entries gone from a and c');
    assert.deepEqual(leaves.sort(), ['ann', 'bob']);
    b.adapter().cut = false;
    await until(() => nodes.every((n) => metas(n, 'lobby') === 3), 'b\'s entries back once it is heard again', 20_000);
    assert.deepEqual(keys(a, 'lobby'), ['ann', 'bob']);
    off();
  });

  it('a node closing: its entries leave everywhere', async () => {
    const [a, b] = nodes as [Node, Node, Node];
    await b.io.close();
    nodes.splice(1, 1);
    await until(() => metas(a, 'lobby') === 1, 'only a\'s entry');
    assert.deepEqual(keys(a, 'lobby'), ['ann']);
  });
});

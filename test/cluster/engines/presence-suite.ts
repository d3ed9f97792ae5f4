// Presence on an engine of the cluster core, with node processes (node.ts) on a real bus: `definePresenceSuite(fixture)`
// in a `*.test.ts` file. Three of our nodes (and an official one, which must ignore presence messages, when the
// engine has an official adapter), clients of the official socket.io-client tracked on different nodes, a follower
// on the official client kept in a map by our client's Presence helper; a late joiner, the bus killed and restarted,
// a node killed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connectClient, waitFor, type TestClient } from '../cluster.js';
import { Presence as ClientPresence } from '../../../src/client/presence.js';
import { EngineNode } from './engine-node.js';
import type { EngineFixture, BusServer } from './suite.js';

const PRESENCE = { diffInterval: 50, syncInterval: 500 };
type Listed = Record<string, { metas: Array<{ ref: string; node: string }> }>;

/** key → the nodes of its metas, sorted; throws on a duplicate ref. */
function shape(list: Listed | Array<{ key: string; metas: Array<{ ref: string; node: string }> }>): Record<string, string[]> {
  const entries = Array.isArray(list) ? list.map((e) => [e.key, e] as const) : Object.entries(list);
  const out: Record<string, string[]> = {};
  const refs = new Set<string>();
  for (const [key, { metas }] of entries) {
    for (const m of metas) {
      assert.ok(!refs.has(m.ref), `duplicate ref ${m.ref}`);
      refs.add(m.ref);
    }
    out[key] = metas.map((m) => m.node).sort();
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** Waits until every node lists `expected` in `room`. */
async function untilEveryNode(nodes: EngineNode[], room: string, expected: Record<string, string[]>, what: string, timeout = 30_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let last: unknown[] = [];
  for (;;) {
    last = await Promise.all(nodes.map(async (n) => shape(await n.call<Listed>('presenceList', { room }))));
    if (last.every((l) => JSON.stringify(l) === JSON.stringify(expected))) return;
    if (Date.now() > deadline) throw new Error(`${what}: nodes list ${JSON.stringify(last)}, expected ${JSON.stringify(expected)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Defines the presence suite for one engine.
 * @param fixture how to run the engine's bus and nodes
 */
export function definePresenceSuite(fixture: EngineFixture): void {
  describe(`${fixture.name} engine: presence on 3 nodes`, () => {
    let bus: BusServer;
    const nodes: EngineNode[] = [];
    let official: EngineNode | undefined;
    const clients: TestClient[] = [];
    let follower: ClientPresence<{ node: string }>;
    const start = (name: string): Promise<EngineNode> =>
      EngineNode.start({ kind: 'ours', name, module: fixture.nodeModule, bus: bus.info, presence: PRESENCE });
    const track = async (node: EngineNode, user: string, room = 'lobby'): Promise<TestClient> => {
      const c = await connectClient(node.url, { query: { puser: user, proom: room }, reconnection: false });
      clients.push(c);
      return c;
    };

    before(async () => {
      bus = await fixture.startBus();
      nodes.push(...(await Promise.all(['n0', 'n1', 'n2'].map(start))));
      if (fixture.official) {
        official = await EngineNode.start({ kind: 'official', name: 'theirs', module: fixture.nodeModule, bus: bus.info });
      }
    });

    after(async () => {
      follower?.close();
      for (const c of clients) c.socket.close();
      for (const n of [...nodes, ...(official ? [official] : [])]) assert.deepEqual(n.crashes, [], `node ${n.config.name} crashed`);
      await Promise.all([...nodes, official].map((n) => n?.kill()));
      await bus?.stop();
    });

    it('every node lists every node\'s entries, several tabs of one user as one key; the official client follows the diffs', async () => {
      const f = await connectClient(nodes[1]!.url, { query: { pfollow: 'lobby' } });
      clients.push(f);
      follower = new ClientPresence(f.socket, 'lobby');
      await waitFor(() => follower.synced, 15_000, 'presence_state');
      await track(nodes[0]!, 'ann');
      await track(nodes[2]!, 'ann');
      await track(nodes[1]!, 'bob');
      const expected = { ann: ['n0', 'n2'], bob: ['n1'] };
      await untilEveryNode(nodes, 'lobby', expected, 'replicated');
      await waitFor(() => JSON.stringify(shape(follower.list())) === JSON.stringify(expected), 15_000, 'the follower\'s map');
      assert.ok(f.events.some((e) => e[0] === 'presence_diff'), 'diffs as ordinary events');
      const local = shape(await nodes[2]!.call<Listed>('presenceList', { room: 'lobby', local: true }));
      assert.deepEqual(local, { ann: ['n2'] });
      if (official) {
        // the official node heard every presence message, ignored them, and still serves the cluster; it leaves
        // before the bus outage (an official adapter may not survive one)
        await official.call('emit', { event: 'from-theirs', args: [1] });
        await waitFor(() => f.events.some((e) => e[0] === 'from-theirs'), 15_000, 'a broadcast of the official node');
        assert.deepEqual(official.crashes, []);
        await official.kill();
        official = undefined;
      }
    });

    it('a node that starts late gets the full state', async () => {
      const late = await start('n3');
      nodes.push(late);
      await untilEveryNode([late], 'lobby', { ann: ['n0', 'n2'], bob: ['n1'] }, 'the late joiner');
    });

    it('the bus killed and restarted: changes made meanwhile converge on every node, without duplicates', async () => {
      const bob = clients.find((c) => c.socket.io.opts.query?.puser === 'bob')!;
      await bus.kill();
      bob.socket.close();
      await track(nodes[0]!, 'carl');
      await new Promise((r) => setTimeout(r, 1500));
      await bus.restart();
      const expected = { ann: ['n0', 'n2'], carl: ['n0'] };
      await untilEveryNode(nodes, 'lobby', expected, 'after the outage', 45_000);
      await waitFor(() => JSON.stringify(shape(follower.list())) === JSON.stringify(expected), 15_000, 'the follower after the outage');
    });

    it('a node killed: its entries leave every node within the heartbeat timeout', async () => {
      const killed = nodes.splice(2, 1)[0]!;
      const at = Date.now();
      await killed.kill();
      const expected = { ann: ['n0'], carl: ['n0'] };
      await untilEveryNode(nodes, 'lobby', expected, 'after the kill');
      await waitFor(() => JSON.stringify(shape(follower.list())) === JSON.stringify(expected), 15_000, 'the follower after the kill');
      // heartbeat timeout 3 s, checked every second: the load of a busy machine may add to it, not multiply it
      assert.ok(Date.now() - at < 15_000, `gone after ${Date.now() - at} ms`);

    });
  });
}

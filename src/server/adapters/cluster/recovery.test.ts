/**
 * Connection state recovery of the cluster core with a session store whose appends and restores the test holds:
 * the order of the missed and live broadcasts a recovered client gets is the order of the history, and a broadcast
 * sent while the restored socket waits for its middlewares is neither lost nor sent ahead of the missed ones.
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as ioc, type Socket as ClientSocket } from 'socket.io-client';
import { Server } from '../../index.js';
import type { AdapterNamespace, PrivateSessionId, Session } from '../../adapter-types.js';
import { LocalBus, LocalBusAdapter } from '../../../../test/cluster/local-bus.js';
import { MemorySessionStore, type RecoverableBroadcast } from './session-store.js';

/** A gate the test opens. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => { open = r; });
  return { wait, open };
}

/**
 * A memory store whose next append can be held before it runs (the offset is given when it runs, as a command
 * retried by a Redis Cluster client gets its entry id late), and whose next restore can be held once read.
 */
class HeldStore extends MemorySessionStore {
  /** Like a Redis Cluster client, the store does not promise to run appends in the order they are sent. */
  override readonly ordered = false;
  appended = 0;
  holdAppend: Promise<void> | null = null;
  holdRestore: Promise<void> | null = null;

  override async append(broadcast: RecoverableBroadcast): Promise<string> {
    const hold = this.holdAppend;
    this.holdAppend = null;
    if (hold) await hold;
    this.appended++;
    return super.append(broadcast);
  }

  override async restore(pid: PrivateSessionId, offset: string): Promise<Session | null> {
    const session = await super.restore(pid, offset);
    const hold = this.holdRestore;
    this.holdRestore = null;
    if (hold) await hold;
    return session;
  }
}

async function until(pred: () => boolean, what: string, timeout = 20_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Setup {
  io: Server;
  http: HttpServer;
  store: HeldStore;
  client: ClientSocket;
  items: unknown[];
  /** Set while a recovered socket waits in its middleware. */
  middleware: { hold: Promise<void> | null; entered: boolean };
}

let current: Setup | undefined;

afterEach(async () => {
  current?.client.close();
  await current?.io.close();
  current = undefined;
});

/** A server on a one-node local bus, a client in room `news` that got item 1, then lost its connection. */
async function setup(): Promise<Setup> {
  const store = new HeldStore();
  const bus = new LocalBus();
  const http = createServer();
  const io = new Server(http, {
    connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: false },
    adapter: (nsp: AdapterNamespace) => new LocalBusAdapter(nsp, bus, { sessionStore: store }),
  });
  const middleware: Setup['middleware'] = { hold: null, entered: false };
  io.use((socket, next) => {
    if (!socket.recovered || middleware.hold === null) return next();
    middleware.entered = true;
    void middleware.hold.then(() => next());
  });
  let disconnected = false;
  io.on('connection', (socket) => {
    if (!socket.recovered) socket.join('news');
    socket.on('disconnect', () => { disconnected = true; });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const client = ioc(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  const items: unknown[] = [];
  client.on('item', (n: unknown) => items.push(n));
  current = { io, http, store, client, items, middleware };
  await new Promise<void>((r) => client.once('connect', () => r()));
  io.to('news').emit('item', 1);
  await until(() => items.length === 1, 'item 1');
  client.io.engine.close();
  await until(() => disconnected, 'the server to see the connection lost');
  return current;
}

function reconnect(s: Setup): void {
  s.client.connect();
}

describe('cluster recovery: order and completeness of what a recovered client gets', () => {
  it('a broadcast whose append is slow keeps its place in the history ahead of the next one', async () => {
    const s = await setup();
    const held = gate();
    s.store.holdAppend = held.wait;
    s.io.to('news').emit('item', 2);   // its append waits (like a command the Redis Cluster client retries)
    s.io.to('news').emit('item', 3);
    await new Promise((r) => setTimeout(r, 20));
    held.open();
    await until(() => s.store.appended === 3, 'the appends');
    reconnect(s);
    await until(() => s.client.connected && s.items.length >= 3, 'the recovery');
    assert.equal(s.client.recovered, true);
    assert.deepEqual(s.items, [1, 2, 3]);
  });

  it('a broadcast sent while the history is read is added after the missed ones', async () => {
    const s = await setup();
    s.io.to('news').emit('item', 2);
    await until(() => s.store.appended === 2, 'the append of item 2');
    const held = gate();
    s.store.holdRestore = held.wait;
    reconnect(s);
    await until(() => s.store.holdRestore === null, 'the restore to start');
    s.io.to('news').emit('item', 3);
    await until(() => s.store.appended === 3, 'the append of item 3');
    await new Promise((r) => setImmediate(r));
    held.open();
    await until(() => s.client.connected && s.items.length >= 3, 'the recovery');
    s.io.to('news').emit('item', 4);
    await until(() => s.items.includes(4), 'item 4');
    assert.equal(s.client.recovered, true);
    assert.deepEqual(s.items, [1, 2, 3, 4]);
  });

  it('a broadcast sent while the restored socket waits for its middlewares is neither lost nor sent ahead', async () => {
    const s = await setup();
    s.io.to('news').emit('item', 2);
    await until(() => s.store.appended === 2, 'the append of item 2');
    const held = gate();
    s.middleware.hold = held.wait;
    reconnect(s);
    await until(() => s.middleware.entered, 'the middleware');
    s.io.to('news').emit('item', 3);   // the socket is in its rooms, not yet among the namespace's sockets
    await until(() => s.store.appended === 3, 'the append of item 3');
    await new Promise((r) => setImmediate(r));
    held.open();
    await until(() => s.client.connected, 'the recovery');
    s.io.to('news').emit('item', 4);
    await until(() => s.items.includes(4), 'item 4');
    assert.equal(s.client.recovered, true);
    assert.deepEqual(s.items, [1, 2, 3, 4]);
  });
});

/**
 * The adapter option: a class or a factory, re-created by `io.adapter()`, and adapters written for
 * `socket.io-adapter` plugging in unchanged (including its session-aware variant for recovery).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Adapter as ReferenceAdapter, SessionAwareAdapter as ReferenceSessionAwareAdapter } from 'socket.io-adapter';
import { startServer, waitFor, until } from './helpers.js';
import { openRaw } from './raw.js';
import {
  Adapter, MemoryAdapter, type AdapterNamespace, type AdapterSocket, type BroadcastOptions, type Namespace, type ParentNamespace,
  type Socket,
} from '../../src/server/index.js';
import type { Packet } from '../../src/protocol/index.js';

// compile-time: the server's classes satisfy the adapter boundary without casts
const namespaceFits: AdapterNamespace = null as unknown as Namespace;
const parentFits: AdapterNamespace = null as unknown as ParentNamespace;
const socketFits: AdapterSocket = null as unknown as Socket;
void [namespaceFits, parentFits, socketFits];

describe('adapter option', () => {
  it('the default adapter is the in-memory one, one instance per namespace', async () => {
    const h = await startServer();
    try {
      assert.ok(h.io.of('/').adapter instanceof MemoryAdapter);
      assert.ok(h.io.of('/x').adapter instanceof MemoryAdapter);
      assert.notEqual(h.io.of('/').adapter, h.io.of('/x').adapter);
      assert.equal(h.io.of('/x').adapter.nsp, h.io.of('/x'));
      assert.equal(await h.io.of('/').adapter.serverCount(), 1);
    } finally {
      await h.close();
    }
  });

  it('accepts a subclass and a factory; io.adapter(x) re-creates the adapters of existing namespaces', async () => {
    const broadcasts: string[] = [];
    class Spy extends Adapter {
      override broadcast(packet: Packet, opts: BroadcastOptions): void {
        broadcasts.push(`${this.nsp.name}:${(packet.data as unknown[])[0]}`);
        super.broadcast(packet, opts);
      }
    }
    const h = await startServer({ adapter: Spy });
    try {
      const c = h.client('/');
      await waitFor(c, 'connect');
      const got = waitFor(c, 'hello');
      h.io.emit('hello');
      await got;
      assert.deepEqual(broadcasts, ['/:hello']);
      let created = 0;
      h.io.adapter((nsp) => {
        created++;
        return new Spy(nsp);
      });
      assert.ok(created >= 1);
      assert.ok(h.io.of('/').adapter instanceof Spy);
    } finally {
      await h.close();
    }
  });

  it("socket.io-adapter's Adapter plugs in: rooms, broadcasts, acks, fetchSockets", async () => {
    const h = await startServer({ adapter: ReferenceAdapter as never });
    try {
      const sockets: Socket[] = [];
      h.io.on('connection', (s) => sockets.push(s));
      const a = h.client('/');
      const b = h.client('/', { transports: ['websocket'] });
      await Promise.all([waitFor(a, 'connect'), waitFor(b, 'connect')]);
      assert.ok(h.io.of('/').adapter instanceof ReferenceAdapter);
      sockets.find((s) => s.id === a.id)!.join('room');
      const got = waitFor(a, 'news');
      h.io.to('room').emit('news', Buffer.from([1]), 'x');
      const [buf, x] = await got;
      assert.deepEqual([...new Uint8Array(buf)], [1]);
      assert.equal(x, 'x');
      a.on('who', (cb: (v: string) => void) => cb('a'));
      b.on('who', (cb: (v: string) => void) => cb('b'));
      assert.deepEqual(((await h.io.timeout(1000).emitWithAck('who')) as string[]).sort(), ['a', 'b']);
      assert.equal((await h.io.in('room').fetchSockets()).length, 1);
    } finally {
      await h.close();
    }
  });

  it("socket.io-adapter's SessionAwareAdapter plugs in for connection state recovery", async () => {
    const h = await startServer({
      adapter: ReferenceSessionAwareAdapter as never,
      connectionStateRecovery: { maxDisconnectionDuration: 1000 },
    });
    try {
      let first!: Socket;
      h.io.on('connection', (s) => {
        if (!s.recovered) first = s;
      });
      const peer = await openRaw(h.port);
      peer.send('40');
      const reply = JSON.parse((await peer.next()).slice(2));
      h.io.emit('e', 1);
      const offset = JSON.parse((await peer.next()).slice(2))[2];
      const gone = waitFor(first, 'disconnect');
      peer.close();
      await gone;
      h.io.emit('e', 2);
      const peer2 = await openRaw(h.port);
      peer2.send(`40{"pid":"${reply.pid}","offset":"${offset}"}`);
      const missed = JSON.parse((await peer2.next()).slice(2));
      assert.deepEqual(missed.slice(0, 2), ['e', 2]);
      assert.equal(await peer2.next(), `40{"sid":"${reply.sid}","pid":"${reply.pid}"}`);
      peer2.close();
      await until(() => h.io.sockets.sockets.size === 0);
    } finally {
      await h.close();
    }
  });
});

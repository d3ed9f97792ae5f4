/**
 * Speed properties: several WebSocket sends in one tick leave in one TCP write, and a
 * broadcast frame shared through `SharedFrame` is built once for all recipients.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import * as wsModule from 'ws';
import { startEngine, WsClient, wsUrl, nextConnection, sleep, openPolling, req } from './helpers.js';
import type { SharedFrame } from '../../src/engine/socket.js';

type Writable = Socket & { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };

/** Counts the low-level writes of a server-side connection. */
function countWrites(sock: Socket): { writes: number; chunks: number } {
  const s = sock as Writable;
  const counter = { writes: 0, chunks: 0 };
  const write = s._write;
  const writev = s._writev;
  s._write = function (this: unknown, ...a: unknown[]) {
    counter.writes++;
    counter.chunks++;
    return write.apply(this, a);
  };
  s._writev = function (this: unknown, ...a: unknown[]) {
    counter.writes++;
    counter.chunks += (a[0] as unknown[]).length;
    return writev.apply(this, a);
  };
  return counter;
}

describe('speed', () => {
  test('the 101 response and the open packet of a WebSocket handshake leave in one TCP write', async () => {
    const h = await startEngine();
    try {
      const counters: Array<{ writes: number; chunks: number }> = [];
      // before the engine's listener: every write of the connection is counted
      h.http.prependListener('upgrade', (_r, sock: Socket) => counters.push(countWrites(sock)));
      const conn = nextConnection(h.engine);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      assert.match(String(await c.next()), /^0\{"sid":/);
      await conn;
      assert.equal(counters.length, 1);
      assert.equal(counters[0]!.writes, 1, 'one write for the 101 response and the open packet');
      assert.ok(counters[0]!.chunks >= 2);
      c.close();
    } finally {
      await h.close();
    }
  });

  test('several sends in one tick leave in one TCP write', async () => {
    const h = await startEngine();
    try {
      const sockets: Socket[] = [];
      h.http.on('upgrade', (_r, sock: Socket) => sockets.push(sock));
      const conn = nextConnection(h.engine);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      await c.next();
      const socket = await conn;
      await sleep(10);
      const counter = countWrites(sockets[0]!);
      for (let i = 0; i < 5; i++) socket.send('m' + i);
      socket.send(Buffer.from([1, 2]));
      for (let i = 0; i < 5; i++) assert.equal(await c.next(), '4m' + i);
      assert.deepEqual(await c.next(), Buffer.from([1, 2]));
      assert.equal(counter.writes, 1);
      assert.ok(counter.chunks >= 6);
      // the next tick is a new write
      socket.send('later');
      assert.equal(await c.next(), '4later');
      assert.equal(counter.writes, 2);
      // the send callbacks still fire
      await new Promise<void>((resolve) => socket.send('cb', resolve));
      c.close();
    } finally {
      await h.close();
    }
  });

  test('a SharedFrame is framed once for many recipients', async () => {
    const h = await startEngine();
    const Sender = (wsModule as unknown as { Sender: { frame: (...a: unknown[]) => unknown } }).Sender;
    const original = Sender.frame;
    let frames = 0;
    Sender.frame = function (this: unknown, ...a: unknown[]) {
      frames++;
      return original.apply(this, a);
    };
    try {
      const clients: WsClient[] = [];
      const sockets = [];
      for (let i = 0; i < 4; i++) {
        const conn = nextConnection(h.engine);
        const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
        await c.next();
        clients.push(c);
        sockets.push(await conn);
      }
      frames = 0;
      const shared: SharedFrame = {};
      for (const s of sockets) s.send('2["news",1]', { shared });
      for (const c of clients) assert.equal(await c.next(), '42["news",1]');
      assert.equal(frames, 1);
      assert.ok(Array.isArray(shared.ws));

      frames = 0;
      const sharedBin: SharedFrame = {};
      const bin = Buffer.from([5, 6, 7]);
      for (const s of sockets) s.send(bin, { shared: sharedBin });
      for (const c of clients) assert.deepEqual(await c.next(), bin);
      assert.equal(frames, 1);

      // without a shared object every recipient frames its own copy
      frames = 0;
      for (const s of sockets) s.send('solo');
      for (const c of clients) assert.equal(await c.next(), '4solo');
      assert.equal(frames, 4);
      for (const c of clients) c.close();
    } finally {
      Sender.frame = original;
      await h.close();
    }
  });

  test('a shared binary frame is not reused for base64 clients', async () => {
    const h = await startEngine();
    try {
      let conn = nextConnection(h.engine);
      const raw = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      await raw.next();
      const s1 = await conn;
      conn = nextConnection(h.engine);
      const b64 = new WsClient(wsUrl(h, 'EIO=4&transport=websocket&b64=1'));
      await b64.next();
      const s2 = await conn;
      const shared: SharedFrame = {};
      s1.send(Buffer.from([1, 2, 3]), { shared });
      s2.send(Buffer.from([1, 2, 3]), { shared });
      assert.deepEqual(await raw.next(), Buffer.from([1, 2, 3]));
      assert.equal(await b64.next(), 'bAQID');
      raw.close();
      b64.close();
    } finally {
      await h.close();
    }
  });
});

describe('backpressure', () => {
  test('large bursts arrive complete and in order', async () => {
    const h = await startEngine({ maxHttpBufferSize: 1e7 });
    try {
      const conn = nextConnection(h.engine);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      await c.next();
      const socket = await conn;
      const chunk = 'z'.repeat(64 * 1024);
      for (let i = 0; i < 100; i++) socket.send(i + ':' + chunk);
      assert.equal(socket.transport.writable, false); // the kernel buffer is full: later sends queue
      for (let i = 0; i < 100; i++) {
        const m = (await c.next(5000)) as string;
        assert.equal(m.slice(0, m.indexOf(':')), '4' + i);
        assert.equal(m.length, String(i).length + 2 + chunk.length);
      }
      await sleep(20);
      assert.equal(socket.transport.writable, true);
      c.close();
    } finally {
      await h.close();
    }
  });
});

describe('binary inputs', () => {
  test('ArrayBuffer and offset views are sent intact, shared or not, on both transports', async () => {
    const h = await startEngine();
    try {
      const conn = nextConnection(h.engine);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      await c.next();
      const socket = await conn;
      const backing = new Uint8Array([0, 1, 2, 3, 4, 5]);
      const view = backing.subarray(2, 5);
      const ab = new Uint8Array([9, 8]).buffer;
      socket.send(view, { shared: {} });
      socket.send(ab, { shared: {} });
      socket.send(view);
      socket.send(ab);
      assert.deepEqual(await c.next(), Buffer.from([2, 3, 4]));
      assert.deepEqual(await c.next(), Buffer.from([9, 8]));
      assert.deepEqual(await c.next(), Buffer.from([2, 3, 4]));
      assert.deepEqual(await c.next(), Buffer.from([9, 8]));
      c.close();
      const { sid } = await openPolling(h);
      h.engine.clients.get(sid)!.send(view);
      h.engine.clients.get(sid)!.send(ab);
      const res = await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + sid));
      assert.equal(res.text, 'bAgME\x1ebCQg=');
    } finally {
      await h.close();
    }
  });
});

/**
 * Frames collected per tick on the WebSocket transport: broadcast frames of one tick leave as one
 * buffer per connection, frames written before a close precede the close frame, send callbacks
 * fire once the collected frames are written, and a full buffer makes the transport unwritable
 * within the tick.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { startEngine, WsClient, wsUrl, nextConnection, sleep } from './helpers.js';
import type { SharedFrame } from '../../src/engine/socket.js';

type Writable = Socket & { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };

/** Records the low-level writes of a server-side connection: the byte length of each chunk, per write. */
function recordWrites(sock: Socket): number[][] {
  const s = sock as Writable;
  const writes: number[][] = [];
  const write = s._write;
  const writev = s._writev;
  s._write = function (this: unknown, ...a: unknown[]) {
    writes.push([(a[0] as Buffer).length]);
    return write.apply(this, a);
  };
  s._writev = function (this: unknown, ...a: unknown[]) {
    writes.push((a[0] as Array<{ chunk: Buffer }>).map((c) => c.chunk.length));
    return writev.apply(this, a);
  };
  return writes;
}

describe('frames collected per tick', () => {
  test('the broadcast frames of one tick leave as one buffer per connection', async () => {
    const h = await startEngine();
    try {
      const raws: Socket[] = [];
      h.http.on('upgrade', (_r, sock: Socket) => raws.push(sock));
      const clients: WsClient[] = [];
      const sockets = [];
      for (let i = 0; i < 3; i++) {
        const conn = nextConnection(h.engine);
        const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
        await c.next();
        clients.push(c);
        sockets.push(await conn);
      }
      await sleep(10);
      const writes = raws.map(recordWrites);
      const texts = ['2["a",1]', '2["b",22]', '2["c",333]'];
      for (const text of texts) {
        const shared: SharedFrame = {};
        for (const s of sockets) s.send(text, { shared });
      }
      for (const c of clients) {
        for (const text of texts) assert.equal(await c.next(), '4' + text);
      }
      // each frame: 2-byte header + '4' + text
      const total = texts.reduce((n, t) => n + 2 + 1 + t.length, 0);
      for (const w of writes) assert.deepEqual(w, [[total]]);
      for (const c of clients) c.close();
    } finally {
      await h.close();
    }
  });

  test('frames of a connection of its own are written in one call, one chunk per buffer', async () => {
    const h = await startEngine();
    try {
      const raws: Socket[] = [];
      h.http.on('upgrade', (_r, sock: Socket) => raws.push(sock));
      const conn = nextConnection(h.engine);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      await c.next();
      const socket = await conn;
      await sleep(10);
      const writes = recordWrites(raws[0]!);
      socket.send('x');
      socket.send('yy', { shared: {} });
      assert.equal(await c.next(), '4x');
      assert.equal(await c.next(), '4yy');
      assert.equal(writes.length, 1);
      // header + payload of the first frame, header + payload of the shared one (not joined: mixed tick)
      assert.deepEqual(writes[0], [2, 2, 2, 3]);
      c.close();
    } finally {
      await h.close();
    }
  });

  test('frames sent just before a close arrive before the close frame; callbacks fire', async () => {
    const h = await startEngine();
    try {
      const conn = nextConnection(h.engine);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      await c.next();
      const socket = await conn;
      let called = 0;
      socket.send('one', () => called++);
      socket.send('two', { shared: {} }, () => called++);
      socket.close();
      assert.equal(await c.next(), '4one');
      assert.equal(await c.next(), '4two');
      const { code } = await c.closed;
      assert.equal(code, 1005);
      assert.equal(called, 2);
    } finally {
      await h.close();
    }
  });

  test('a full buffer makes the transport unwritable within the tick, and writable after the drain', async () => {
    const h = await startEngine({ maxHttpBufferSize: 1e7 });
    try {
      const conn = nextConnection(h.engine);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      await c.next();
      const socket = await conn;
      assert.equal(socket.transport.writable, true);
      const big = 'q'.repeat(32 * 1024);
      socket.send(big, { shared: {} });
      assert.equal(socket.transport.writable, false);
      socket.send('after');
      assert.equal(await c.next(5000), '4' + big);
      assert.equal(await c.next(5000), '4after');
      await sleep(20);
      assert.equal(socket.transport.writable, true);
      c.close();
    } finally {
      await h.close();
    }
  });
});

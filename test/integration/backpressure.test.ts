/**
 * Backpressure over real sockets, on both transports: a client that stops reading (a WebSocket client whose TCP
 * socket is paused, a polling client that never polls) makes `emit` and broadcasts return false past the
 * high-water mark, volatile packets are dropped while it is over, `drain` fires once it reads again, the
 * slow-client policy disconnects it with reason `slow client` (the details reach the Socketeer client), the bytes
 * buffered for it never exceed the policy's bound plus one message, and an official client reading normally on
 * the same server is unaffected.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket as NetSocket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { io as socketeerClient, type Socket as SocketeerSocket } from '../../src/client/index.js';
import type { Socket } from '../../src/server/index.js';
import type { AdapterNamespace } from '../../src/server/adapter-types.js';
import { LocalBus, LocalBusAdapter } from '../cluster/local-bus.js';
import { startServer, waitFor, type Harness } from './helpers.js';

const CHUNK = 'x'.repeat(64 * 1024);
/** heartbeats far beyond the length of a test: a client that does not read is not closed by them */
const SLOW_HEARTBEAT = { pingInterval: 60_000, pingTimeout: 60_000 };
/** stop filling after this much (the marks are reached long before: the kernel buffers take a few MB at most) */
const FILL_LIMIT = 256 * 1024 * 1024;

/** A Socketeer WebSocket client, connected, with its TCP socket. */
async function wsClient(h: Harness): Promise<{ client: SocketeerSocket; raw: NetSocket; socket: Socket }> {
  const client = socketeerClient(h.url, { forceNew: true, reconnection: false, transports: ['websocket'] });
  const [[socket]] = await Promise.all([waitFor<[Socket]>(h.io, 'connection'), waitFor(client, 'connect')]);
  const raw = (client.io as unknown as { engine: { transport: { ws: { _socket: NetSocket } } } }).engine.transport.ws._socket;
  return { client, raw, socket };
}

/** A polling session connected to `/` by hand, that polls only when told. */
async function pollingClient(h: Harness): Promise<{ socket: Socket; poll(): Promise<string>; close(): void }> {
  const base = `${h.url}/socket.io/?EIO=4&transport=polling`;
  const open = await (await fetch(base)).text();
  const sid = JSON.parse(open.slice(1)).sid as string;
  const url = `${base}&sid=${sid}`;
  const connection = waitFor<[Socket]>(h.io, 'connection');
  await (await fetch(url, { method: 'POST', body: '40' })).text();
  const [socket] = await connection;
  const connected = await (await fetch(url)).text();
  assert.match(connected, /^40/);
  return {
    socket,
    poll: async () => (await fetch(url)).text(),
    close: () => socket.conn.close(),
  };
}

/**
 * Emits chunks, one per turn of the event loop (so the transport writes between them), until `emit` returns false.
 * @returns the number of chunks emitted
 */
async function fillUntilFull(socket: Socket): Promise<number> {
  for (let n = 1; n * CHUNK.length < FILL_LIMIT; n++) {
    if (!socket.emit('chunk', CHUNK)) return n;
    await nextTurn();
  }
  throw new Error('emit never reported a full buffer');
}

describe('backpressure', () => {
  it('websocket: emit returns false past the mark, volatile dropped while over, drain once the client reads', async () => {
    const h = await startServer({ ...SLOW_HEARTBEAT, highWaterMark: 256 * 1024, lowWaterMark: 64 * 1024, slowClient: false });
    try {
      const { client, raw, socket } = await wsClient(h);
      const volatileSeen: number[] = [];
      let chunks = 0;
      client.on('chunk', () => chunks++);
      client.on('v', (i: number) => volatileSeen.push(i));
      raw.pause();
      const sent = await fillUntilFull(socket);
      assert.equal(socket.conn.writableNeedDrain, true);
      assert.ok(socket.conn.bufferedBytes! >= 256 * 1024, `${socket.conn.bufferedBytes!} bytes buffered`);
      assert.equal(socket.emit('chunk', CHUNK), false, 'still full');
      for (let i = 0; i < 5; i++) socket.volatile.emit('v', i);
      const drained = waitFor(socket.conn, 'drain', 60_000);
      const promised = socket.drained();
      socket.emit('marker');
      const marker = waitFor(client, 'marker', 60_000);
      raw.resume();
      await drained;
      await promised;
      assert.equal(socket.conn.writableNeedDrain, false);
      await marker;
      assert.equal(chunks, sent + 1);
      assert.deepEqual(volatileSeen, [], 'volatile packets are dropped while over the mark');
      socket.volatile.emit('v', 99);
      await waitFor(client, 'v');
      assert.deepEqual(volatileSeen, [99], 'and sent again once drained');
      assert.equal(socket.emit('after'), true);
      client.disconnect();
    } finally {
      await h.close();
    }
  });

  it('on a cluster adapter, io.emit returns false while a recipient on this node is over the mark', async () => {
    const bus = new LocalBus();
    const h = await startServer({
      ...SLOW_HEARTBEAT, highWaterMark: 256 * 1024, lowWaterMark: 64 * 1024, slowClient: false,
      adapter: (nsp: AdapterNamespace) => new LocalBusAdapter(nsp, bus, { heartbeatInterval: 60_000 }),
    });
    try {
      const { client, raw, socket } = await wsClient(h);
      assert.equal(h.io.emit('first'), true, 'nobody is full');
      raw.pause();
      let full = false;
      for (let n = 0; !full && n < 512; n++) { // 32 MB: the mark and the kernel buffers are reached long before
        full = !h.io.emit('chunk', CHUNK);
        await nextTurn();
      }
      assert.equal(full, true, 'io.emit reported the full buffer');
      assert.equal(socket.conn.writableNeedDrain, true);
      const drained = waitFor(socket.conn, 'drain', 60_000);
      raw.resume();
      await drained;
      assert.equal(h.io.emit('after'), true);
      client.disconnect();
    } finally {
      await h.close();
    }
  });

  it('websocket: a slow client is disconnected with reason "slow client", told why; buffered bytes stay bounded; an official client is unaffected', async () => {
    const maxBufferedBytes = 2 * 1024 * 1024;
    const h = await startServer({
      ...SLOW_HEARTBEAT,
      highWaterMark: 256 * 1024,
      lowWaterMark: 64 * 1024,
      slowClient: { maxBufferedBytes, maxOverMs: 600_000 },
    });
    try {
      const official = h.client('/', { transports: ['websocket'] });
      await waitFor(h.io, 'connection');
      await waitFor(official, 'connect');
      let officialChunks = 0;
      official.on('chunk', () => officialChunks++);
      const { client, raw, socket } = await wsClient(h);
      raw.pause();
      const serverReason = waitFor<[string, unknown]>(socket, 'disconnect', 120_000);
      let left = false;
      void serverReason.then(() => (left = true));
      let broadcasts = 0;
      let falseReported = 0;
      let maxBuffered = 0;
      while (!left && broadcasts * CHUNK.length < FILL_LIMIT) {
        if (!h.io.emit('chunk', CHUNK)) falseReported++;
        broadcasts++;
        if (socket.conn.readyState === 'open') maxBuffered = Math.max(maxBuffered, socket.conn.bufferedBytes!);
        await nextTurn();
      }
      const [reason, description] = await serverReason;
      assert.equal(reason, 'slow client');
      assert.deepEqual((description as { reason: string }).reason, 'slow client');
      assert.ok(falseReported > 0, 'broadcasts reported the full buffer');
      assert.ok(maxBuffered <= maxBufferedBytes + CHUNK.length + 1, `at most the bound plus one message (${maxBuffered})`);
      // the client reads again: what the connection held, then the reason, then the disconnect
      const clientClosed = waitFor<[string, unknown]>(client, 'disconnect', 60_000);
      raw.resume();
      const [clientReason, clientDescription] = await clientClosed;
      assert.equal(clientReason, 'io server disconnect');
      assert.equal((clientDescription as { description: string }).description, 'slow client');
      assert.equal(client.disconnectDetails?.reason, 'slow client');
      assert.equal(typeof (client.disconnectDetails?.data as { bufferedBytes: number }).bufferedBytes, 'number');
      // the official client read everything and is still connected
      h.io.emit('end');
      await waitFor(official, 'end', 60_000);
      assert.equal(officialChunks, broadcasts);
      assert.equal(official.connected, true);
      assert.equal(h.io.emit('end'), true, 'no recipient over the mark any more');
    } finally {
      await h.close();
    }
  });

  it('websocket: a mark below the connection buffer still drains with nothing more sent', async () => {
    const h = await startServer({ ...SLOW_HEARTBEAT, highWaterMark: 4 * 1024, lowWaterMark: 1024 });
    try {
      const { client, socket } = await wsClient(h);
      const got = waitFor(client, 'big', 60_000);
      assert.equal(socket.emit('big', 'b'.repeat(8 * 1024)), false, 'one message over the mark');
      assert.equal(socket.conn.writableNeedDrain, true);
      await Promise.all([socket.drained(), got]);
      assert.equal(socket.conn.writableNeedDrain, false);
      assert.equal(socket.connected, true);
      client.disconnect();
    } finally {
      await h.close();
    }
  });

  it('polling: a client that does not poll fills up, drains on its next poll, volatile dropped while over', async () => {
    const h = await startServer({ ...SLOW_HEARTBEAT, highWaterMark: 256 * 1024, lowWaterMark: 64 * 1024, slowClient: false });
    try {
      const c = await pollingClient(h);
      const sent = await fillUntilFull(c.socket);
      assert.equal(sent, 4, 'four 64 KiB chunks reach 256 KiB: nothing is taken while the client does not poll');
      assert.equal(c.socket.conn.writableNeedDrain, true);
      assert.equal(c.socket.volatile.emit('v', 1), false);
      const drained = waitFor(c.socket.conn, 'drain', 60_000);
      const body = await c.poll();
      await drained;
      assert.equal(c.socket.conn.writableNeedDrain, false);
      assert.equal(c.socket.conn.bufferedBytes!, 0);
      const packets = body.split('\x1e');
      assert.equal(packets.filter((p) => p.startsWith('42["chunk"')).length, sent);
      assert.equal(packets.filter((p) => p.startsWith('42["v"')).length, 0, 'volatile dropped');
      assert.equal(c.socket.emit('after'), true);
      c.close();
    } finally {
      await h.close();
    }
  });

  it('polling: a client that never polls is disconnected as a slow client by size; told why at its next poll', async () => {
    const maxBufferedBytes = 1024 * 1024;
    const h = await startServer({ ...SLOW_HEARTBEAT, highWaterMark: 256 * 1024, slowClient: { maxBufferedBytes, maxOverMs: 600_000 } });
    try {
      const c = await pollingClient(h);
      const reason = waitFor<[string]>(c.socket, 'disconnect', 60_000);
      let n = 0;
      let maxBuffered = 0;
      while (c.socket.connected && n < 1000) {
        c.socket.emit('chunk', CHUNK);
        n++;
        if (c.socket.conn.readyState === 'open') maxBuffered = Math.max(maxBuffered, c.socket.conn.bufferedBytes!);
      }
      assert.equal((await reason)[0], 'slow client');
      assert.ok(maxBuffered <= maxBufferedBytes + CHUNK.length + 1, `${maxBuffered} bytes at most`);
      assert.equal(c.socket.conn.bufferedBytes! < 1024, true, 'what the client had not taken is dropped');
      const closed = waitFor<[string]>(c.socket.conn, 'close', 60_000);
      const body = await c.poll();
      const packets = body.split('\x1e');
      const details = packets.find((p) => p.startsWith('42["socketeer:disconnect"'));
      assert.ok(details, body.slice(0, 200));
      assert.equal(JSON.parse(details!.slice(2))[1].reason, 'slow client');
      assert.ok(packets.includes('41'), 'then the DISCONNECT');
      assert.equal(packets.filter((p) => p.startsWith('42["chunk"')).length, 0);
      // the next poll gets the close packet (after a noop)
      assert.match(await c.poll(), /(^|\x1e)1$/);
      assert.equal((await closed)[0], 'slow client');
    } finally {
      await h.close();
    }
  });

  it('polling: over the mark for maxOverMs closes the session even if the client never polls again', async () => {
    const h = await startServer({ pingInterval: 60_000, pingTimeout: 200, highWaterMark: 128 * 1024, slowClient: { maxOverMs: 200 } });
    try {
      const c = await pollingClient(h);
      const closed = waitFor<[string]>(c.socket.conn, 'close', 60_000);
      const left = waitFor<[string]>(c.socket, 'disconnect', 60_000);
      await fillUntilFull(c.socket);
      assert.equal((await left)[0], 'slow client');
      assert.equal((await closed)[0], 'slow client');
    } finally {
      await h.close();
    }
  });
});

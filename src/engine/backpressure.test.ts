/**
 * Backpressure: the options and their checks, the byte count of a packet, and the session's marks on a transport
 * that takes nothing until told (a client that does not read): `writableNeedDrain`, `drain` at the low-water mark,
 * the slow-client policy by size and by time.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { EngineCodecs } from '../protocol/engine-codec.js';
import {
  DEFAULT_HIGH_WATER_MARK,
  DEFAULT_LOW_WATER_MARK,
  DEFAULT_SLOW_CLIENT_MAX_BUFFERED_BYTES,
  DEFAULT_SLOW_CLIENT_MAX_OVER_MS,
  OverMark,
  packetBytes,
  resolveBackpressureOptions,
} from './backpressure.js';
import { resolveEngineOptions, type EngineOptions } from './options.js';
import type { EngineServer } from './server.js';
import { EngineSocket, type EngineCloseReason } from './socket.js';
import { Transport, type EngineRequest, type OutgoingPacket } from './transports/index.js';

/** A polling-like transport: one batch per client request ({@link poll}), nothing taken in between. */
class StalledTransport extends Transport {
  readonly name = 'polling' as const;
  readonly sent: OutgoingPacket[] = [];
  constructor() {
    super({ _query: { EIO: '4' }, headers: {} } as unknown as EngineRequest);
    this.writable = true;
  }
  send(packets: OutgoingPacket[], onSent?: () => void): void {
    this.sent.push(...packets);
    this.writable = false;
    onSent?.();
  }
  /** the client reads: the next batch may go */
  poll(): void {
    this.writable = true;
    this.emit('ready');
  }
  protected doClose(fn: () => void): void {
    fn();
    this.onClose();
  }
}

function session(opts: EngineOptions): { s: EngineSocket; t: StalledTransport; server: EngineServer } {
  const server = Object.assign(new EventEmitter(), { opts: resolveEngineOptions({ pingInterval: 60_000, ...opts }) }) as unknown as EngineServer;
  const t = new StalledTransport();
  const req = { _query: { EIO: '4' }, headers: {}, socket: { remoteAddress: '127.0.0.1' } } as unknown as EngineRequest;
  const s = new EngineSocket('sid', server, t, req, EngineCodecs.v4);
  return { s, t, server };
}

function closed(s: EngineSocket): Promise<EngineCloseReason> {
  return new Promise((resolve) => s.once('close', (reason) => resolve(reason)));
}

const KB = 'x'.repeat(1023); // 1024 bytes counted (data + type)

describe('backpressure options', () => {
  test('defaults: 1 MiB / 256 KiB, slow client at 8 MiB or 30 s', () => {
    assert.deepEqual(resolveBackpressureOptions({}), {
      highWaterMark: DEFAULT_HIGH_WATER_MARK,
      lowWaterMark: DEFAULT_LOW_WATER_MARK,
      slowClient: { maxBufferedBytes: DEFAULT_SLOW_CLIENT_MAX_BUFFERED_BYTES, maxOverMs: DEFAULT_SLOW_CLIENT_MAX_OVER_MS },
    });
    assert.equal(DEFAULT_HIGH_WATER_MARK, 1 << 20);
    assert.equal(resolveEngineOptions({}).backpressure.highWaterMark, 1 << 20);
  });

  test('a small high-water mark lowers the default low-water mark; a large one raises the slow-client size', () => {
    assert.equal(resolveBackpressureOptions({ highWaterMark: 1000 }).lowWaterMark, 1000);
    const big = resolveBackpressureOptions({ highWaterMark: 16 << 20 });
    assert.deepEqual(big.slowClient, { maxBufferedBytes: 16 << 20, maxOverMs: 30_000 });
    assert.equal(resolveBackpressureOptions({ slowClient: false }).slowClient, false);
    assert.equal(resolveBackpressureOptions({ highWaterMark: Infinity, slowClient: false }).highWaterMark, Infinity);
  });

  test('bad values are refused with a clear error', () => {
    assert.throws(() => resolveBackpressureOptions({ highWaterMark: 0 }), /highWaterMark must be a positive number/);
    assert.throws(() => resolveBackpressureOptions({ highWaterMark: -1 }), /highWaterMark/);
    assert.throws(() => resolveBackpressureOptions({ highWaterMark: '1' as unknown as number }), /highWaterMark/);
    assert.throws(() => resolveBackpressureOptions({ lowWaterMark: NaN }), /lowWaterMark must be a non-negative number/);
    assert.throws(() => resolveBackpressureOptions({ highWaterMark: 10, lowWaterMark: 11 }), /must not exceed highWaterMark/);
    assert.throws(() => resolveBackpressureOptions({ highWaterMark: 10, slowClient: { maxBufferedBytes: 9 } }), /at least highWaterMark/);
    assert.throws(() => resolveBackpressureOptions({ slowClient: { maxOverMs: 0 } }), /maxOverMs must be a positive number/);
    assert.throws(() => resolveBackpressureOptions({ slowClient: true as unknown as false }), /slowClient must be an object/);
    assert.throws(() => resolveEngineOptions({ highWaterMark: -5 }), RangeError);
  });

  test('packetBytes: the data length plus the type', () => {
    assert.equal(packetBytes(undefined), 1);
    assert.equal(packetBytes('abc'), 4);
    assert.equal(packetBytes(new Uint8Array(10)), 11);
    assert.equal(packetBytes(new ArrayBuffer(7)), 8);
  });
});

describe('session backpressure', () => {
  test('over the high-water mark: writableNeedDrain until back under the low-water mark, then one drain', () => {
    const { s, t } = session({ highWaterMark: 8 * 1024, lowWaterMark: 2 * 1024, slowClient: false });
    t.poll(); // the open packet went; the transport takes the next batch
    let drains = 0;
    s.on('drain', () => drains++);
    s.send(KB); // handed to the transport at once (a pending poll)
    assert.equal(drains, 1, 'under the mark, drain after each flush as the reference');
    for (let i = 0; i < 7; i++) s.send(KB);
    assert.equal(s.bufferedBytes, 7 * 1024);
    assert.equal(s.writableNeedDrain, false);
    s.send(KB);
    assert.equal(s.bufferedBytes, 8 * 1024);
    assert.equal(s.writableNeedDrain, true);
    t.poll(); // the client reads everything queued
    assert.equal(s.bufferedBytes, 0);
    assert.equal(s.writableNeedDrain, false);
    assert.equal(drains, 2);
    assert.equal(t.sent.filter((p) => p.type === 'message').length, 9);
    s.close();
  });

  test('a flush that leaves more than the low-water mark does not drain', () => {
    const { s, t } = session({ highWaterMark: 4 * 1024, lowWaterMark: 1024, slowClient: false });
    // a transport that still holds bytes after a batch (a WebSocket whose connection buffer is full)
    let held = 0;
    Object.defineProperty(t, 'bufferedBytes', { get: () => held });
    t.poll();
    for (let i = 0; i < 5; i++) s.send(KB); // the first is taken by the pending poll, four wait
    assert.equal(s.writableNeedDrain, true);
    let drains = 0;
    s.on('drain', () => drains++);
    held = 3 * 1024;
    t.poll();
    assert.equal(drains, 0);
    assert.equal(s.writableNeedDrain, true);
    held = 1024;
    t.poll(); // nothing queued: the ready alone re-checks the count
    assert.equal(drains, 1);
    assert.equal(s.writableNeedDrain, false);
    s.close();
  });

  test('slow client by size: queued packets dropped, slowClient emitted, closed with reason slow client', async () => {
    const { s, t, server } = session({ highWaterMark: 4 * 1024, slowClient: { maxBufferedBytes: 6 * 1024, maxOverMs: 60_000 } });
    const seen: number[] = [];
    s.on('slowClient', (bytes) => {
      seen.push(bytes);
      s.send('last words'); // a listener may still queue a packet
    });
    let serverSaw = 0;
    server.on('slowClient', (socket: EngineSocket) => {
      assert.equal(socket, s);
      serverSaw++;
    });
    const reason = closed(s);
    for (let i = 0; i < 5; i++) s.send(KB);
    assert.equal(s.writableNeedDrain, true);
    assert.equal(s.readyState, 'open');
    s.send(KB); // 6 KiB: the bound
    assert.deepEqual(seen, [6 * 1024]);
    assert.equal(serverSaw, 1);
    assert.equal(s.readyState, 'closing');
    s.send(KB); // refused while closing
    t.poll(); // the client reads at last: only the last words are left, then the close
    assert.equal(await reason, 'slow client');
    const messages = t.sent.filter((p) => p.type === 'message').map((p) => p.data);
    assert.deepEqual(messages, ['last words']);
  });

  test('slow client by time: over the mark for maxOverMs closes it, even if it never reads again', async () => {
    const { s } = session({ highWaterMark: 2 * 1024, pingTimeout: 50, slowClient: { maxOverMs: 30 } });
    const reason = closed(s);
    s.send(KB);
    s.send(KB);
    assert.equal(s.writableNeedDrain, true);
    assert.equal(await reason, 'slow client');
    assert.equal(s.bufferedBytes, 0);
  });

  test('getting back under the low-water mark in time stops the slow-client clock', async () => {
    const { s, t } = session({ highWaterMark: 2 * 1024, slowClient: { maxOverMs: 40 } });
    s.send(KB);
    s.send(KB);
    assert.equal(s.writableNeedDrain, true);
    t.poll();
    assert.equal(s.writableNeedDrain, false);
    await new Promise((resolve) => setTimeout(resolve, 120));
    assert.equal(s.readyState, 'open');
    s.close();
  });

  test('one message larger than the slow-client size does not by itself make a slow client', () => {
    const { s, t } = session({ highWaterMark: 1024, slowClient: { maxBufferedBytes: 2048, maxOverMs: 60_000 } });
    s.send('y'.repeat(5000));
    assert.equal(s.writableNeedDrain, true);
    assert.equal(s.readyState, 'open');
    t.poll();
    assert.equal(s.writableNeedDrain, false);
    s.close();
  });
});

describe('OverMark (the slow-client clock of a full session)', () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  test('calls back once the session has stayed over the mark for maxOverMs, then once the grace of its close ends', async () => {
    const calls: Array<[string, boolean]> = [];
    const mark = new OverMark('host', (host, slow) => calls.push([host, slow]), { maxBufferedBytes: 10, maxOverMs: 5 });
    while (calls.length === 0) await sleep(5);
    assert.deepEqual(calls, [['host', false]]);
    assert.equal(mark.slow, false);
    mark.closing(5);
    assert.equal(mark.slow, true);
    while (calls.length === 1) await sleep(5);
    assert.deepEqual(calls, [['host', false], ['host', true]]);
  });

  test('end() stops the clock; without a slow-client policy or with maxOverMs Infinity there is none', async () => {
    const calls: boolean[] = [];
    const ended = new OverMark(null, (_h, slow) => calls.push(slow), { maxBufferedBytes: 10, maxOverMs: 5 });
    ended.end();
    new OverMark(null, (_h, slow) => calls.push(slow), false);
    new OverMark(null, (_h, slow) => calls.push(slow), { maxBufferedBytes: 10, maxOverMs: Infinity });
    const closed = new OverMark(null, (_h, slow) => calls.push(slow), false);
    closed.closing(5);
    closed.end();
    await sleep(40);
    assert.deepEqual(calls, []);
  });
});

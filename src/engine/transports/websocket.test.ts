/**
 * The WebSocket transport on a fake `ws` connection: framing (text, binary, v3, base64), the single write path
 * (frames of a tick in one write, broadcast frames built once and joined), send callbacks and `writable`,
 * backpressure, the permessage-deflate route through `ws`, incoming frames and errors.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import * as wsModule from 'ws';
import { WebSocketTransport } from './websocket.js';
import type { EngineRequest, IncomingPacket, OutgoingPacket, SharedFrame } from './transport.js';

const Sender = (wsModule as unknown as { Sender: { frame(data: string | Buffer, opts: object): Buffer[] } }).Sender;

/** The TCP socket under the fake connection: records each write (its chunks), completes writes on the next tick. */
class FakeRaw extends Writable {
  readonly writes: Buffer[][] = [];
  constructor(highWaterMark = 16384) {
    super({ highWaterMark });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.writes.push([chunk]);
    setImmediate(cb);
  }
  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    this.writes.push(chunks.map((c) => c.chunk));
    setImmediate(cb);
  }
}

/** `ws`'s frame sender, as far as the transport checks it. */
class FakeSender {
  static frame(data: string | Buffer, opts: object): Buffer[] {
    FakeSender.built++;
    return Sender.frame(data, opts);
  }
  static built = 0;
  sendFrame(): void {}
}

/** A `ws` connection with its internals (`_socket`, `_sender`) and a recording `send`. */
class FakeWs extends EventEmitter {
  readyState = 1;
  readonly _socket: FakeRaw;
  readonly _sender = new FakeSender();
  readonly sends: Array<{ data: string | Uint8Array; compress: boolean; cb: boolean }> = [];
  closed = false;
  constructor(readonly extensions = '', highWaterMark?: number) {
    super();
    this._socket = new FakeRaw(highWaterMark);
  }
  send(data: string | Uint8Array, opts: { compress: boolean }, cb?: () => void): void {
    this.sends.push({ data, compress: opts.compress, cb: cb !== undefined });
    this._socket.write(typeof data === 'string' ? data : Buffer.from(data), cb);
  }
  close(): void {
    this.closed = true;
  }
  terminate(): void {}
}

function transport(query: Record<string, string> = {}, ws = new FakeWs()): { t: WebSocketTransport; ws: FakeWs } {
  const req = { _query: { EIO: '4', transport: 'websocket', ...query }, headers: {}, websocket: ws } as unknown as EngineRequest;
  return { t: new WebSocketTransport(req), ws };
}

/** Decodes the unmasked frames in a byte stream. */
function parseFrames(bytes: Buffer): Array<{ opcode: number; payload: Buffer }> {
  const frames: Array<{ opcode: number; payload: Buffer }> = [];
  let i = 0;
  while (i < bytes.length) {
    const opcode = bytes[i]! & 0x0f;
    let len = bytes[i + 1]! & 0x7f;
    i += 2;
    if (len === 126) {
      len = bytes.readUInt16BE(i);
      i += 2;
    } else if (len === 127) {
      len = Number(bytes.readBigUInt64BE(i));
      i += 8;
    }
    frames.push({ opcode, payload: bytes.subarray(i, i + len) });
    i += len;
  }
  return frames;
}

const tick = () => new Promise((resolve) => process.nextTick(resolve));
const turn = () => new Promise((resolve) => setImmediate(resolve));

function msg(data: OutgoingPacket['data'], options?: OutgoingPacket['options']): OutgoingPacket {
  return { type: 'message', data, options };
}

describe('WebSocketTransport', () => {
  test('frames text and binary messages (v4): text frames "4…", binary frames the bytes', async () => {
    const { t, ws } = transport();
    t.send([msg('hi'), msg(Buffer.from([1, 2, 3])), { type: 'ping' }]);
    assert.equal(ws._socket.writes.length, 0, 'nothing written before the end of the tick');
    await tick();
    assert.equal(ws._socket.writes.length, 1, 'one write for the tick');
    const frames = parseFrames(Buffer.concat(ws._socket.writes[0]!));
    assert.deepEqual(
      frames.map((f) => [f.opcode, f.opcode === 1 ? f.payload.toString() : [...f.payload]]),
      [
        [1, '4hi'],
        [2, [1, 2, 3]],
        [1, '2'],
      ],
    );
  });

  test('v3 binary frames carry the type byte; base64 clients get text', async () => {
    const v3 = transport({ EIO: '3' });
    v3.t.send([msg(Buffer.from([9]))]);
    const b64 = transport({ b64: '1' });
    b64.t.send([msg(Buffer.from([9]))]);
    await tick();
    assert.deepEqual([...parseFrames(Buffer.concat(v3.ws._socket.writes[0]!))[0]!.payload], [4, 9]);
    const f = parseFrames(Buffer.concat(b64.ws._socket.writes[0]!))[0]!;
    assert.equal(f.opcode, 1);
    assert.equal(f.payload.toString(), 'bCQ==');
  });

  test('a broadcast frame is built once for every recipient and the frames of a tick are joined', async () => {
    const a = transport();
    const b = transport();
    const shared: SharedFrame = {};
    const shared2: SharedFrame = {};
    FakeSender.built = 0;
    for (const { t } of [a, b]) t.send([msg('2["x"]', { shared })]);
    for (const { t } of [a, b]) t.send([msg('2["y"]', { shared: shared2 })]);
    assert.equal(FakeSender.built, 2, 'one frame per broadcast packet');
    assert.ok(Array.isArray(shared.ws));
    await tick();
    for (const { ws } of [a, b]) {
      assert.equal(ws._socket.writes.length, 1);
      assert.equal(ws._socket.writes[0]!.length, 1, 'joined into one buffer');
      assert.deepEqual(parseFrames(ws._socket.writes[0]![0]!).map((f) => f.payload.toString()), ['42["x"]', '42["y"]']);
    }
    // a base64 client does not take the shared binary frame
    const binShared: SharedFrame = {};
    const c = transport();
    const d = transport({ b64: '1' });
    c.t.send([msg(Buffer.from([7]), { shared: binShared })]);
    d.t.send([msg(Buffer.from([7]), { shared: binShared })]);
    await tick();
    assert.equal(parseFrames(Buffer.concat(d.ws._socket.writes[0]!))[0]!.payload.toString(), 'bBw==');
  });

  test('writable is false from the first send until the write completed; the callback runs first', async () => {
    const { t } = transport();
    assert.equal(t.writable, true);
    const order: string[] = [];
    t.send([msg('a')], () => order.push(`sent, writable=${t.writable}`));
    assert.equal(t.writable, false);
    assert.equal(t.canSend, true, 'the session may still hand packets over in this tick');
    await tick();
    assert.equal(t.writable, false, 'written to the socket, not completed');
    await turn();
    await turn();
    assert.deepEqual(order, ['sent, writable=false']);
    assert.equal(t.writable, true);
  });

  test('a full buffer blocks the transport within the tick; ready once drained', async () => {
    const { t } = transport({}, new FakeWs('', 64));
    let ready = 0;
    t.on('ready', () => ready++);
    t.send([msg('x'.repeat(100))]);
    assert.equal(t.canSend, false, 'blocked at once');
    await tick();
    assert.equal(t.canSend, false);
    for (let i = 0; i < 4 && ready === 0; i++) await turn();
    assert.equal(ready, 1);
    assert.equal(t.canSend, true);
    assert.equal(t.writable, true);
  });

  test('with permessage-deflate, messages go through ws (compress option, one callback per batch), corked for the tick', async () => {
    const ws = new FakeWs('permessage-deflate');
    const { t } = transport({}, ws);
    let corked = 0;
    const cork = ws._socket.cork;
    ws._socket.cork = function (this: FakeRaw) {
      corked++;
      return cork.call(this);
    };
    let sent = 0;
    t.send([msg('a'), msg('b', { compress: false, shared: {} })], () => sent++);
    t.send([msg('c')]);
    assert.deepEqual(ws.sends, [
      { data: '4a', compress: true, cb: false },
      { data: '4b', compress: false, cb: true },
      { data: '4c', compress: true, cb: true },
    ]);
    assert.equal(corked, 1, 'corked once for the tick');
    assert.equal(ws._socket.writableCorked, 1);
    await tick();
    assert.equal(ws._socket.writableCorked, 0, 'uncorked at the end of the tick');
    assert.equal(ws._socket.writes.length, 1, 'one write');
    await turn();
    await turn();
    assert.equal(sent, 1);
    assert.equal(t.writable, true);
  });

  test('incoming frames become packets; undecodable ones a parse error packet', () => {
    const { t, ws } = transport();
    const got: IncomingPacket[] = [];
    t.on('packet', (p: IncomingPacket) => got.push(p));
    ws.emit('message', Buffer.from('4hello'), false);
    ws.emit('message', Buffer.from([1, 2]), true);
    ws.emit('message', Buffer.from('9?'), false);
    assert.deepEqual(got[0], { type: 'message', data: 'hello' });
    assert.deepEqual([...(got[1]!.data as Buffer)], [1, 2]);
    assert.deepEqual(got[2], { type: 'error', data: 'parser error' });
  });

  test('errors and the close of the connection reach the session; frames of the tick precede the close frame', async () => {
    const { t, ws } = transport();
    const errors: Error[] = [];
    t.on('error', (e: Error) => errors.push(e));
    ws.emit('error', new Error('reset'));
    assert.equal(errors[0]!.message, 'reset');
    assert.equal((errors[0] as Error & { type: string }).type, 'TransportError');
    t.send([msg('bye')]);
    t.close();
    assert.equal(ws._socket.writes.length, 1, 'written before the close');
    assert.equal(ws.closed, true);
    let closed = 0;
    t.on('close', () => closed++);
    ws.emit('close');
    assert.equal(closed, 1);
    assert.equal(t.readyState, 'closed');
    t.send([msg('late')]);
    ws.readyState = 3;
    t.send([msg('later')]);
    await tick();
    assert.equal(ws._socket.writes.length, 1, 'nothing written once closed');
  });
});

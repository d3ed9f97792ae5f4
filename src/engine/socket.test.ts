/**
 * The engine session on fake transports: the open packet, the heartbeat (v4 and v3), buffered writes and
 * `drain`, the upgrade swap, and the close reasons.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { EngineCodecs, type EngineCodec } from '../protocol/engine-codec.js';
import { resolveEngineOptions, type EngineOptions } from './options.js';
import type { EngineServer } from './server.js';
import { EngineSocket, type EngineCloseReason } from './socket.js';
import { Transport, type EngineRequest, type IncomingPacket, type OutgoingPacket } from './transports/index.js';
import type { TransportName } from './transports/index.js';

/** A transport that records what the session sends; writable until told otherwise. */
class FakeTransport extends Transport {
  readonly name: TransportName;
  readonly sent: OutgoingPacket[][] = [];
  closes = 0;
  /** when false, a send leaves the transport unwritable until {@link ready} */
  autoReady = true;

  constructor(name: TransportName, eio = '4') {
    super({ _query: { EIO: eio }, headers: {} } as unknown as EngineRequest);
    this.name = name;
    this.writable = true;
  }
  send(packets: OutgoingPacket[], onSent?: () => void): void {
    this.sent.push(packets.slice());
    this.writable = this.autoReady;
    onSent?.();
  }
  /** the client's next request: writable again */
  ready(): void {
    this.writable = true;
    this.emit('ready');
  }
  protected doClose(fn: () => void): void {
    this.closes++;
    fn();
    this.onClose();
  }
  /** a packet from the client */
  receive(packet: IncomingPacket): void {
    this.dispatch(packet);
  }
  fail(message: string): void {
    this.onError(message);
  }
  lose(): void {
    this.onClose();
  }
  /** every packet sent so far, flattened */
  packets(): OutgoingPacket[] {
    return this.sent.flat();
  }
}

/** A stand-in for the engine server: options, events and the session map. */
function fakeServer(opts: EngineOptions = {}): EngineServer {
  return Object.assign(new EventEmitter(), { opts: resolveEngineOptions(opts), clients: new Map() }) as unknown as EngineServer;
}

function session(transport: FakeTransport, opts: EngineOptions = {}, codec: EngineCodec = EngineCodecs.v4): EngineSocket {
  const req = { _query: { EIO: String(codec.protocol) }, headers: {}, socket: { remoteAddress: '10.0.0.1' } } as unknown as EngineRequest;
  return new EngineSocket('sid1', fakeServer(opts), transport, req, codec);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function closed(s: EngineSocket): Promise<[EngineCloseReason, unknown]> {
  return new Promise((resolve) => s.once('close', (reason, description) => resolve([reason, description])));
}

describe('EngineSocket', () => {
  test('sends the open packet (with the upgrades of its transport) then the initial packet', () => {
    const polling = new FakeTransport('polling');
    const s = session(polling, { pingInterval: 1000, pingTimeout: 500, maxHttpBufferSize: 99, initialPacket: 'hi' });
    try {
      assert.equal(s.readyState, 'open');
      assert.equal(s.remoteAddress, '10.0.0.1');
      assert.equal(polling.sid, 'sid1');
      const [open, initial] = polling.packets();
      assert.equal(open!.type, 'open');
      assert.deepEqual(JSON.parse(open!.data as string), { sid: 'sid1', upgrades: ['websocket'], pingInterval: 1000, pingTimeout: 500, maxPayload: 99 });
      assert.deepEqual(initial, { type: 'message', data: 'hi', options: { compress: true } });

      const ws = new FakeTransport('websocket');
      const s2 = session(ws, { allowUpgrades: true });
      assert.deepEqual(JSON.parse(ws.packets()[0]!.data as string).upgrades, [], 'websocket upgrades to nothing');
      s2.close();
      const p3 = new FakeTransport('polling');
      const s3 = session(p3, { transports: ['polling'] });
      assert.deepEqual(JSON.parse(p3.packets()[0]!.data as string).upgrades, [], 'websocket not enabled');
      s3.close();
    } finally {
      s.close();
    }
  });

  test('v4 heartbeat: the server pings, a pong keeps the session, no pong closes it with ping timeout', async () => {
    const t = new FakeTransport('websocket');
    const s = session(t, { pingInterval: 30, pingTimeout: 30 });
    let heartbeats = 0;
    s.on('heartbeat', () => heartbeats++);
    await sleep(45);
    assert.deepEqual(t.packets().slice(1).map((p) => p.type), ['ping']);
    t.receive({ type: 'pong' });
    assert.equal(heartbeats, 1);
    const reason = closed(s);
    assert.deepEqual(await reason, ['ping timeout', undefined]);
    assert.equal(t.packets().filter((p) => p.type === 'ping').length, 2);
    assert.equal(s.readyState, 'closed');
  });

  test('v3 heartbeat: the client pings and the server answers pong; a pong from the client is an error', async () => {
    const t = new FakeTransport('polling', '3');
    const s = session(t, { pingInterval: 1000, pingTimeout: 1000 }, EngineCodecs.v3);
    assert.equal(s.protocol, 3);
    t.receive({ type: 'ping', data: 'x' });
    assert.deepEqual(t.packets().at(-1), { type: 'pong', data: undefined, options: { compress: true } });
    const reason = closed(s);
    t.receive({ type: 'pong' });
    const [why, err] = await reason;
    assert.equal(why, 'transport error');
    assert.match((err as Error).message, /invalid heartbeat direction/);
  });

  test('writes are buffered while the transport cannot send, flushed together on ready, then drain and callbacks', () => {
    const t = new FakeTransport('polling');
    t.autoReady = false;
    const s = session(t);
    try {
      assert.equal(t.sent.length, 1, 'the open packet went out');
      const order: string[] = [];
      s.on('flush', (buffer) => order.push(`flush:${buffer.length}`));
      s.on('drain', () => order.push('drain'));
      s.send('a', () => order.push('cb:a'));
      s.send('b', { compress: false }, () => order.push('cb:b'));
      assert.equal(t.sent.length, 1, 'nothing sent while the transport waits');
      t.ready();
      assert.equal(t.sent.length, 2);
      assert.deepEqual(t.sent[1]!.map((p) => [p.type, p.data, p.options?.compress]), [
        ['message', 'a', true],
        ['message', 'b', false],
      ]);
      assert.deepEqual(order, ['flush:2', 'cb:a', 'cb:b', 'drain']);
      let messages = 0;
      s.on('message', (data) => {
        messages++;
        assert.equal(data, 'in');
      });
      t.receive({ type: 'message', data: 'in' });
      assert.equal(messages, 1);
    } finally {
      s.close(true);
    }
  });

  test('close() flushes buffered packets first, then closes with forced close', async () => {
    const t = new FakeTransport('polling');
    t.autoReady = false;
    const s = session(t);
    s.send('last');
    const reason = closed(s);
    s.close();
    assert.equal(s.readyState, 'closing');
    assert.equal(t.closes, 0, 'waits for the buffer');
    t.ready();
    assert.deepEqual(await reason, ['forced close', undefined]);
    assert.equal(t.packets().at(-1)!.data, 'last');
    assert.equal(t.closes, 1);
  });

  test('upgrade: probe ping/pong, then the upgrade packet swaps the transport; buffered packets go to the new one', () => {
    const polling = new FakeTransport('polling');
    polling.autoReady = false;
    const s = session(polling, { upgradeTimeout: 1000 });
    const ws = new FakeTransport('websocket');
    const events: string[] = [];
    s.on('upgrading', (tr) => events.push(`upgrading:${tr.name}`));
    s.on('upgrade', (tr) => events.push(`upgrade:${tr.name}`));
    s.maybeUpgrade(ws);
    assert.equal(s.upgrading, true);
    ws.receive({ type: 'ping', data: 'probe' });
    assert.deepEqual(ws.packets(), [{ type: 'pong', data: 'probe' }]);
    s.send('queued'); // polling has no pending request: buffered
    ws.receive({ type: 'upgrade' });
    assert.equal(s.transport, ws);
    assert.equal(s.upgraded, true);
    assert.equal(s.upgrading, false);
    assert.equal(polling.discarded, true);
    assert.equal(polling.closes, 1);
    assert.deepEqual(events, ['upgrading:websocket', 'upgrade:websocket']);
    assert.equal(ws.packets().at(-1)!.data, 'queued');
    // the old transport no longer reaches the session
    let messages = 0;
    s.on('message', () => messages++);
    polling.receive({ type: 'message', data: 'late' });
    ws.receive({ type: 'message', data: 'new' });
    assert.equal(messages, 1);
    s.close(true);
  });

  test('an upgrade that does not complete in time closes the probing transport', async () => {
    const polling = new FakeTransport('polling');
    const s = session(polling, { upgradeTimeout: 20 });
    const ws = new FakeTransport('websocket');
    s.maybeUpgrade(ws);
    await sleep(40);
    assert.equal(ws.closes, 1);
    assert.equal(s.upgrading, false);
    assert.equal(s.transport, polling);
    s.close(true);
  });

  for (const [name, act, expected] of [
    ['the transport closing', (t: FakeTransport) => t.lose(), 'transport close'],
    ['a parse error', (t: FakeTransport) => t.receive({ type: 'error', data: 'parser error' }), 'parse error'],
    ['a transport error', (t: FakeTransport) => t.fail('boom'), 'transport error'],
  ] as const) {
    test(`close reason of ${name}: ${expected}`, async () => {
      const t = new FakeTransport('websocket');
      const s = session(t);
      const reason = closed(s);
      act(t);
      assert.equal((await reason)[0], expected);
      assert.equal(s.readyState, 'closed');
      s.send('ignored');
      assert.equal(t.packets().some((p) => p.data === 'ignored'), false, 'nothing is sent after the close');
    });
  }
});

/**
 * Deeply nested payloads: refused at decode (`maxNestingDepth`, connection closed with `parse error`), and a
 * server-side emit of data too deep to encode throws to its caller: the process and other clients go on.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, waitFor } from './helpers.js';
import { openRaw, type RawPeer } from './raw.js';
import { Server, type Socket } from '../../src/server/index.js';

const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);

async function connected(port: number): Promise<RawPeer> {
  const peer = await openRaw(port);
  peer.send('40');
  assert.match(await peer.next(), /^40\{"sid":/);
  return peer;
}

describe('deeply nested payloads', () => {
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  before(() => process.on('uncaughtException', onUncaught));
  after(() => {
    process.off('uncaughtException', onUncaught);
    assert.deepEqual(uncaught, [], 'no uncaught exception');
  });

  it('an event of 5,000 levels echoed through an ack closes that connection with "parse error"; others go on', async () => {
    const h = await startServer();
    try {
      const received: unknown[] = [];
      h.io.on('connection', (socket) => {
        socket.on('echo', (x: unknown, cb: (x: unknown) => void) => {
          received.push(x);
          cb(x);
        });
      });
      const conns: Socket[] = [];
      h.io.on('connection', (s) => conns.push(s));
      const attacker = await connected(h.port);
      const other = await connected(h.port);
      const [victimSide] = conns;
      const errors: Error[] = [];
      victimSide!.on('error', (e) => errors.push(e));
      const reason = waitFor(victimSide!, 'disconnect');
      const payload = '421["echo",' + nested(5000) + ']';
      assert.ok(payload.length > 10_000);
      attacker.send(payload);
      assert.equal((await reason)[0], 'parse error');
      await attacker.closed;
      assert.equal(errors.length, 1);
      assert.equal(errors[0]!.message, 'payload nested deeper than 64 levels');
      assert.deepEqual(received, [], 'the handler never saw the payload');
      // the other client is unaffected: its ack comes back
      other.send('427["echo",' + nested(10) + ']');
      assert.equal(await other.next((m) => m.startsWith('437')), '437[' + nested(10) + ']');
      // and the server accepts new connections
      const late = await connected(h.port);
      late.close();
      other.close();
    } finally {
      await h.close();
    }
  });

  it('the limit is configurable, and applies over polling too', async () => {
    const h = await startServer({ maxNestingDepth: 8 });
    try {
      h.io.on('connection', (socket) => socket.on('echo', (x: unknown, cb: (x: unknown) => void) => cb(x)));
      const conn = waitFor<[Socket]>(h.io, 'connection');
      const c = h.client('/', { transports: ['polling'] });
      const [socket] = await conn;
      await waitFor(c, 'connect');
      // 1 (arguments) + 7 = 8 levels: accepted
      let ok: unknown[] = [];
      for (let i = 0; i < 6; i++) ok = [ok];
      assert.deepEqual(await c.timeout(2000).emitWithAck('echo', ok), ok);
      const reason = waitFor(socket, 'disconnect');
      const clientReason = waitFor(c, 'disconnect');
      socket.on('error', () => {});
      c.emit('echo', [ok]);
      assert.equal((await reason)[0], 'parse error');
      assert.equal((await clientReason)[0], 'transport close');
    } finally {
      await h.close();
    }
  });

  it('Infinity lifts the limit; a bad value is refused', () => {
    assert.throws(() => new Server({ maxNestingDepth: 0 }), TypeError);
    assert.throws(() => new Server({ maxNestingDepth: 2.5 }), TypeError);
    assert.throws(() => new Server({ maxNestingDepth: Number.NaN }), TypeError);
    const io = new Server({ maxNestingDepth: Infinity });
    io.close();
  });

  it('a server-side emit or ack of data too deep to encode throws to its caller; the connection goes on', async () => {
    const h = await startServer({ maxNestingDepth: Infinity });
    try {
      let deep: unknown[] = [];
      for (let i = 0; i < 5000; i++) deep = [deep];
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      const outcomes: string[] = [];
      h.io.on('connection', (socket) => {
        socket.on('ask', (cb: (x: unknown) => void) => {
          try {
            cb(deep);
          } catch (e) {
            outcomes.push('ack: ' + (e as Error).name);
            cb('fallback');
          }
        });
      });
      const conn = waitFor<[Socket]>(h.io, 'connection');
      const c = h.client('/', { transports: ['websocket'] });
      const [socket] = await conn;
      await waitFor(c, 'connect');
      assert.throws(() => socket.emit('x', deep), RangeError);
      assert.throws(() => h.io.emit('x', deep), RangeError);
      assert.throws(() => h.io.to(socket.id).emit('x', circular), RangeError);
      assert.throws(() => socket.emit('x', 1n), TypeError);
      assert.equal(await c.timeout(2000).emitWithAck('ask'), 'fallback');
      assert.deepEqual(outcomes, ['ack: RangeError']);
      // nothing half-sent: the next event is the first the client sees
      const got = waitFor(c, 'x');
      socket.emit('x', 'fine');
      assert.deepEqual(await got, ['fine']);
      assert.equal(socket.connected, true);
    } finally {
      await h.close();
    }
  });
});

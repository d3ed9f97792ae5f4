/**
 * A custom parser (here a MessagePack one with the `socket.io-parser` shape) used by both sides.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import notepack from 'notepack.io';
import { startServer, waitFor } from './helpers.js';
import type { Socket } from '../../src/server/index.js';

/** Every packet is one MessagePack binary message. */
class Encoder {
  encode(packet: object): Uint8Array[] {
    return [notepack.encode(packet)];
  }
}

class Decoder extends EventEmitter {
  add(data: unknown): void {
    if (typeof data === 'string') throw new Error('text is not MessagePack');
    const packet = notepack.decode(data as Buffer) as { type: unknown; nsp: unknown };
    if (typeof packet?.type !== 'number' || typeof packet.nsp !== 'string') throw new Error('invalid packet');
    this.emit('decoded', packet);
  }
  destroy(): void {}
}

const msgpackParser = { Encoder, Decoder };

describe('custom parser', () => {
  it('packets travel as MessagePack both ways: CONNECT, events, acks, binary, broadcasts, errors', async () => {
    const h = await startServer({ parser: msgpackParser });
    try {
      h.io.of('/admin').use((_s, next) => next(Object.assign(new Error('no admin'), { data: { code: 7 } })));
      const frames: Array<string | Uint8Array> = [];
      const conn = waitFor<[Socket]>(h.io, 'connection');
      const c = h.client('/', { parser: msgpackParser, transports: ['websocket'] });
      const engine = c.io.engine as unknown as { on(ev: 'packet', fn: (p: { type: string; data?: string | Uint8Array }) => void): void };
      engine.on('packet', (p) => {
        if (p.type === 'message' && p.data !== undefined) frames.push(p.data);
      });
      const [socket] = await conn;
      await waitFor(c, 'connect');
      socket.on('echo', (v: unknown, cb: (v: unknown) => void) => cb(v));
      const echoed = (await c.timeout(1000).emitWithAck('echo', { n: 1, bin: Buffer.from([1, 2]) })) as any;
      assert.equal(echoed.n, 1);
      assert.deepEqual([...echoed.bin], [1, 2]);
      const got = waitFor(c, 'news');
      h.io.emit('news', 'hello');
      assert.deepEqual(await got, ['hello']);
      const admin = c.io.socket('/admin');
      const [err] = await waitFor<[Error & { data?: unknown }]>(admin, 'connect_error');
      assert.equal(err.message, 'no admin');
      assert.deepEqual(err.data, { code: 7 });
      // nothing went out as Socket.IO text
      assert.ok(frames.length >= 3);
      assert.ok(frames.every((f) => typeof f !== 'string'));
    } finally {
      await h.close();
    }
  });

  it('undecodable input closes the connection with "parse error"', async () => {
    const h = await startServer({ parser: msgpackParser });
    try {
      const conn = waitFor<[Socket]>(h.io, 'connection');
      const c = h.client('/', { parser: msgpackParser, transports: ['websocket'] });
      const [socket] = await conn;
      const reason = waitFor(socket, 'disconnect');
      (c.io.engine as unknown as { write(data: string): void }).write('42["text"]');
      assert.equal((await reason)[0], 'parse error');
    } finally {
      await h.close();
    }
  });
});

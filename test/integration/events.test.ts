/**
 * Catch-all listeners (incoming and outgoing) and packet middlewares.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, waitFor, sleep, until } from './helpers.js';
import type { Socket } from '../../src/server/index.js';

describe('catch-all listeners', () => {
  it('onAny/prependAny/offAny/listenersAny see every incoming event, before the listeners', async () => {
    const h = await startServer();
    try {
      const conn = waitFor<[Socket]>(h.io, 'connection');
      const c = h.client('/');
      const [socket] = await conn;
      const log: string[] = [];
      const first = (ev: string, ...args: unknown[]) => log.push(`first:${ev}:${JSON.stringify(args)}`);
      const any = (ev: string, ...args: unknown[]) => log.push(`any:${ev}:${JSON.stringify(args)}`);
      socket.onAny(any);
      socket.prependAny(first);
      socket.on('hello', (x: number) => log.push(`listener:${x}`));
      assert.deepEqual(socket.listenersAny(), [first, any]);
      // one event at a time: as with socket.io, the listeners of an event run a tick after the catch-all
      // listeners, so the catch-all listeners of an event arriving in the same read come in between
      c.emit('hello', 1);
      await until(() => log.length >= 3);
      c.emit('other', 'a', { b: 2 });
      await until(() => log.length >= 5);
      assert.deepEqual(log, [
        'first:hello:[1]',
        'any:hello:[1]',
        'listener:1',
        'first:other:["a",{"b":2}]',
        'any:other:["a",{"b":2}]',
      ]);
      socket.offAny(first);
      assert.deepEqual(socket.listenersAny(), [any]);
      socket.offAny();
      assert.deepEqual(socket.listenersAny(), []);
      log.length = 0;
      c.emit('hello', 2);
      await until(() => log.length >= 1);
      await sleep(20);
      assert.deepEqual(log, ['listener:2']);
    } finally {
      await h.close();
    }
  });

  it('onAny receives the ack callback last', async () => {
    const h = await startServer();
    try {
      h.io.on('connection', (socket) => {
        socket.onAny((_ev: string, n: number, cb: (v: number) => void) => cb(n + 1));
      });
      const c = h.client('/');
      assert.equal(await c.timeout(1000).emitWithAck('inc', 1), 2);
    } finally {
      await h.close();
    }
  });

  it('onAnyOutgoing/prependAnyOutgoing/offAnyOutgoing see emits and broadcasts', async () => {
    const h = await startServer();
    try {
      const conn = waitFor<[Socket]>(h.io, 'connection');
      const c = h.client('/');
      const [socket] = await conn;
      await waitFor(c, 'connect');
      const log: string[] = [];
      const out = (ev: string, ...args: unknown[]) => log.push(`out:${ev}:${JSON.stringify(args)}`);
      const pre = (ev: string) => log.push(`pre:${ev}`);
      socket.onAnyOutgoing(out);
      socket.prependAnyOutgoing(pre);
      assert.deepEqual(socket.listenersAnyOutgoing(), [pre, out]);
      socket.emit('direct', 1);
      h.io.emit('broadcast', 'x');
      socket.offAnyOutgoing(pre);
      socket.emit('after', true);
      socket.offAnyOutgoing();
      socket.emit('none');
      assert.deepEqual(log, ['pre:direct', 'out:direct:[1]', 'pre:broadcast', 'out:broadcast:["x"]', 'out:after:[true]']);
      assert.deepEqual(socket.listenersAnyOutgoing(), []);
    } finally {
      await h.close();
    }
  });
});

describe('packet middlewares', () => {
  it('socket.use sees [event, ...args], can modify them, and next(err) drops the event and emits "error"', async () => {
    const h = await startServer();
    try {
      const conn = waitFor<[Socket]>(h.io, 'connection');
      const c = h.client('/');
      const [socket] = await conn;
      const seen: unknown[] = [];
      socket.use((event, next) => {
        seen.push(event.slice());
        if (event[0] === 'forbidden') return next(new Error('not allowed'));
        if (event[0] === 'rewrite') event[1] = 'rewritten';
        next();
      });
      socket.use((_event, next) => setTimeout(next, 5));
      const received: unknown[] = [];
      socket.on('ok', (v: unknown) => received.push(['ok', v]));
      socket.on('rewrite', (v: unknown) => received.push(['rewrite', v]));
      socket.on('forbidden', () => received.push(['forbidden']));
      const errored = waitFor<[Error]>(socket, 'error');
      c.emit('ok', 1);
      c.emit('forbidden');
      c.emit('rewrite', 'original');
      const [err] = await errored;
      assert.equal(err.message, 'not allowed');
      await until(() => received.length >= 2);
      assert.deepEqual(seen, [['ok', 1], ['forbidden'], ['rewrite', 'original']]);
      assert.deepEqual(received, [
        ['ok', 1],
        ['rewrite', 'rewritten'],
      ]);
      assert.equal(socket.connected, true);
    } finally {
      await h.close();
    }
  });
});

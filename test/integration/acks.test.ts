/**
 * Acknowledgements in both directions, with and without timeouts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, waitFor } from './helpers.js';
import type { Socket } from '../../src/server/index.js';

describe('acknowledgements', () => {
  it('client → server: the callback receives every argument of the ack', async () => {
    const h = await startServer();
    try {
      h.io.on('connection', (socket) => {
        socket.on('sum', (a: number, b: number, cb: (...r: unknown[]) => void) => cb(a + b, 'ok', { n: [a, b] }));
      });
      const c = h.client('/');
      const res = await new Promise<unknown[]>((resolve) => c.emit('sum', 2, 3, (...r: unknown[]) => resolve(r)));
      assert.deepEqual(res, [5, 'ok', { n: [2, 3] }]);
      assert.equal(await c.emitWithAck('sum', 10, 5), 15);
    } finally {
      await h.close();
    }
  });

  it('an ack is sent at most once', async () => {
    const h = await startServer();
    try {
      h.io.on('connection', (socket) => {
        socket.on('twice', (cb: (v: number) => void) => {
          cb(1);
          cb(2);
        });
        socket.on('after', (cb: (v: string) => void) => cb('after'));
      });
      const c = h.client('/');
      const results: number[] = [];
      c.emit('twice', (v: number) => results.push(v));
      assert.equal(await c.emitWithAck('after'), 'after');
      assert.deepEqual(results, [1]);
    } finally {
      await h.close();
    }
  });

  it('server → client: emit with callback, emitWithAck, timeout().emit', async () => {
    const h = await startServer();
    try {
      const conn = waitFor<[Socket]>(h.io, 'connection');
      const c = h.client('/');
      c.on('double', (n: number, cb: (v: number) => void) => cb(n * 2));
      c.on('silent', () => {});
      const [socket] = await conn;
      const viaCallback = await new Promise((resolve) => socket.emit('double', 4, resolve));
      assert.equal(viaCallback, 8);
      assert.equal(await socket.emitWithAck('double', 21), 42);
      const withTimeout = await new Promise<unknown[]>((resolve) =>
        socket.timeout(1000).emit('double', 5, (...args: unknown[]) => resolve(args)),
      );
      assert.deepEqual(withTimeout, [null, 10]);
      const timedOut = await new Promise<unknown[]>((resolve) =>
        socket.timeout(50).emit('silent', (...args: unknown[]) => resolve(args)),
      );
      assert.ok(timedOut[0] instanceof Error);
      assert.equal((timedOut[0] as Error).message, 'operation has timed out');
      await assert.rejects(socket.timeout(50).emitWithAck('silent'), /operation has timed out/);
      assert.equal(await socket.timeout(1000).emitWithAck('double', 1), 2);
    } finally {
      await h.close();
    }
  });

  it('client timeout: the reference client times out when the server never acks', async () => {
    const h = await startServer();
    try {
      h.io.on('connection', (socket) => socket.on('ignored', () => {}));
      const c = h.client('/');
      await waitFor(c, 'connect');
      await assert.rejects(c.timeout(50).emitWithAck('ignored'), /operation has timed out/);
    } finally {
      await h.close();
    }
  });

  it('ack ids are one counter per namespace, shared by its sockets, from 0', async () => {
    const h = await startServer();
    try {
      const sockets: Socket[] = [];
      h.io.on('connection', (s) => sockets.push(s));
      const a = h.client('/');
      const b = h.client('/');
      const ids: number[] = [];
      for (const c of [a, b]) {
        c.on('q', (cb: () => void) => cb());
        (c.io.engine as any).on('packet', (p: { type: string; data?: string }) => {
          const m = /^2(\d+)\["q"/.exec(typeof p.data === 'string' ? p.data : '');
          if (p.type === 'message' && m) ids.push(Number(m[1]));
        });
      }
      await Promise.all([waitFor(a, 'connect'), waitFor(b, 'connect')]);
      await sockets[0]!.emitWithAck('q');
      await sockets[1]!.emitWithAck('q');
      await sockets[0]!.emitWithAck('q');
      assert.deepEqual(ids, [0, 1, 2]);
    } finally {
      await h.close();
    }
  });

  it('broadcast acks: one response per client, and a timeout reports the partial responses', async () => {
    const h = await startServer();
    try {
      const clients = [h.client('/'), h.client('/'), h.client('/')];
      clients.forEach((c, i) => c.on('who', (cb: (v: number) => void) => cb(i)));
      await Promise.all(clients.map((c) => waitFor(c, 'connect')));
      const responses = await new Promise<unknown[]>((resolve, reject) =>
        h.io.timeout(1000).emit('who', (err: Error | null, r: number[]) => (err ? reject(err) : resolve(r))),
      );
      assert.deepEqual([...(responses as number[])].sort(), [0, 1, 2]);
      assert.deepEqual(((await h.io.timeout(1000).emitWithAck('who')) as number[]).sort(), [0, 1, 2]);
      // one silent client: the timeout fires with the two responses received (long enough for a busy machine)
      clients[2]!.off('who');
      clients[2]!.on('who', () => {});
      const [err, partial] = await new Promise<[Error | null, number[]]>((resolve) =>
        h.io.timeout(1500).emit('who', (e: Error | null, r: number[]) => resolve([e, r])),
      );
      assert.equal(err?.message, 'operation has timed out');
      assert.deepEqual([...partial].sort(), [0, 1]);
      await assert.rejects(h.io.timeout(1500).emitWithAck('who'), (e: Error & { responses?: number[] }) => {
        assert.deepEqual([...e.responses!].sort(), [0, 1]);
        return true;
      });
      // no recipient: completes at once with no responses
      assert.deepEqual(await h.io.to('empty-room').timeout(100).emitWithAck('who'), []);
    } finally {
      await h.close();
    }
  });

  it('fetchSockets() results can emit with ack (single response)', async () => {
    const h = await startServer();
    try {
      const c = h.client('/');
      c.on('hi', (cb: (v: string) => void) => cb('there'));
      await waitFor(c, 'connect');
      const [s] = await h.io.fetchSockets();
      assert.equal(await s!.timeout(1000).emitWithAck('hi'), 'there');
    } finally {
      await h.close();
    }
  });
});

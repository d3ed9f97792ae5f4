/**
 * Static, invalid and dynamic namespaces.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, waitFor, sleep } from './helpers.js';
import type { Namespace } from '../../src/server/index.js';

describe('namespaces', () => {
  it('an unknown namespace gets "Invalid namespace" and the session stays usable', async () => {
    const h = await startServer();
    try {
      const main = h.client('/');
      await waitFor(main, 'connect');
      const nope = main.io.socket('/nope'); // connects at once (autoConnect)
      const [err] = await waitFor<[Error]>(nope, 'connect_error');
      assert.equal(err.message, 'Invalid namespace');
      // the shared connection still works
      h.io.on('connection', () => {});
      const echo = new Promise((resolve) => {
        for (const s of h.io.sockets.sockets.values()) s.on('ping', (cb: (v: string) => void) => cb('pong'));
        resolve(null);
      });
      await echo;
      assert.equal(await main.timeout(1000).emitWithAck('ping'), 'pong');
      assert.equal(main.connected, true);
    } finally {
      await h.close();
    }
  });

  it('normalises names without a leading slash and fires new_namespace', async () => {
    const h = await startServer();
    try {
      const created: string[] = [];
      h.io.on('new_namespace', (nsp: Namespace) => created.push(nsp.name));
      const nsp = h.io.of('admin');
      assert.equal(nsp.name, '/admin');
      assert.equal(h.io.of('/admin'), nsp);
      assert.deepEqual(created, ['/admin']);
    } finally {
      await h.close();
    }
  });

  it('a namespace has its own sockets and the client gets a distinct id per namespace', async () => {
    const h = await startServer();
    try {
      const ids: Record<string, string> = {};
      h.io.on('connection', (s) => (ids['/'] = s.id));
      h.io.of('/chat').on('connection', (s) => (ids['/chat'] = s.id));
      const main = h.client('/');
      await waitFor(main, 'connect');
      const chat = main.io.socket('/chat');
      await waitFor(chat, 'connect');
      assert.equal(main.id, ids['/']);
      assert.equal(chat.id, ids['/chat']);
      assert.notEqual(ids['/'], ids['/chat']);
      assert.equal(h.io.of('/chat').sockets.size, 1);
      assert.equal(h.io.sockets.sockets.size, 1);
    } finally {
      await h.close();
    }
  });

  it('dynamic namespaces from a RegExp: children share middlewares and listeners; the parent broadcasts', async () => {
    const h = await startServer();
    try {
      const parent = h.io.of(/^\/dynamic-\d+$/);
      const used: string[] = [];
      parent.use((socket, next) => {
        used.push(socket.nsp.name);
        next();
      });
      const connected: string[] = [];
      parent.on('connection', (socket) => connected.push(socket.nsp.name));
      const created: string[] = [];
      h.io.on('new_namespace', (nsp: Namespace) => created.push(nsp.name));
      const a = h.client('/dynamic-1');
      const b = h.client('/dynamic-22');
      await Promise.all([waitFor(a, 'connect'), waitFor(b, 'connect')]);
      assert.deepEqual(used.sort(), ['/dynamic-1', '/dynamic-22']);
      assert.deepEqual(connected.sort(), ['/dynamic-1', '/dynamic-22']);
      assert.deepEqual(created.sort(), ['/dynamic-1', '/dynamic-22']);
      const got = Promise.all([waitFor(a, 'hello'), waitFor(b, 'hello')]);
      parent.emit('hello', 'all');
      assert.deepEqual(await got, [['all'], ['all']]);
      const c = h.client('/dynamic-x');
      const [err] = await waitFor<[Error]>(c, 'connect_error');
      assert.equal(err.message, 'Invalid namespace');
      assert.throws(() => parent.fetchSockets(), /not supported/);
    } finally {
      await h.close();
    }
  });

  it('dynamic namespaces from a function get the name and the auth', async () => {
    const h = await startServer();
    try {
      h.io.of((name, auth, next) => next(null, name.startsWith('/team-') && auth.key === 'k'));
      const ok = h.client('/team-a', { auth: { key: 'k' } });
      await waitFor(ok, 'connect');
      assert.ok(h.io._nsps.has('/team-a'));
      const refused = h.client('/team-b', { auth: { key: 'wrong' } });
      const [err] = await waitFor<[Error]>(refused, 'connect_error');
      assert.equal(err.message, 'Invalid namespace');
      assert.ok(!h.io._nsps.has('/team-b'));
    } finally {
      await h.close();
    }
  });

  it('cleanupEmptyChildNamespaces removes a child once its last socket leaves', async () => {
    const h = await startServer({ cleanupEmptyChildNamespaces: true });
    try {
      h.io.of(/^\/room-\w+$/);
      const c = h.client('/room-x');
      await waitFor(c, 'connect');
      assert.ok(h.io._nsps.has('/room-x'));
      c.disconnect();
      for (let i = 0; i < 50 && h.io._nsps.has('/room-x'); i++) await sleep(10);
      assert.ok(!h.io._nsps.has('/room-x'));
    } finally {
      await h.close();
    }
  });

  it('without cleanupEmptyChildNamespaces a child stays', async () => {
    const h = await startServer();
    try {
      h.io.of(/^\/room-\w+$/);
      const c = h.client('/room-y');
      await waitFor(c, 'connect');
      c.disconnect();
      await sleep(50);
      assert.ok(h.io._nsps.has('/room-y'));
    } finally {
      await h.close();
    }
  });

  it('rejects stateful regular expressions', async () => {
    const h = await startServer();
    try {
      assert.throws(() => h.io.of(/^\/g$/g), /stateful/);
    } finally {
      await h.close();
    }
  });
});

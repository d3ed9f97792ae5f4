/**
 * Per-socket structures built on first use: the handshake details (dated at the CONNECT, not at
 * the first read), `socket.data`, the `auth` payload (a fresh object per socket when empty), and
 * the sockets of a connection in several namespaces.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, sleep, waitFor } from './helpers.js';
import { openRaw } from './raw.js';

describe('lazily built socket structures', () => {
  test('the handshake read late still carries the time of the CONNECT', async () => {
    const h = await startServer();
    try {
      const connected = waitFor(h.io, 'connection');
      const before = Date.now();
      const client = h.client('/', { auth: { token: 'abc' }, query: { q: '1' } });
      const [socket] = await connected;
      const after = Date.now();
      await sleep(60);
      const hs = socket.handshake;
      assert.ok(hs.issued >= before && hs.issued <= after, `issued ${hs.issued} not in [${before}, ${after}]`);
      assert.equal(hs.time, new Date(hs.issued) + '');
      assert.deepEqual(hs.auth, { token: 'abc' });
      assert.equal(hs.query.q, '1');
      assert.equal(hs.address, '127.0.0.1');
      assert.equal(typeof hs.headers, 'object');
      assert.equal(hs.url.startsWith('/socket.io/'), true);
      // built once
      assert.equal(socket.handshake, hs);
      client.disconnect();
    } finally {
      await h.close();
    }
  });

  test('an empty auth payload gives each socket its own object; data is per socket and settable', async () => {
    const h = await startServer();
    try {
      const sockets: any[] = [];
      h.io.on('connection', (s) => sockets.push(s));
      const a = await openRaw(h.port);
      a.send('40');
      await a.next((m) => m.startsWith('40'));
      const b = await openRaw(h.port);
      b.send('40{}');
      await b.next((m) => m.startsWith('40'));
      assert.equal(sockets.length, 2);
      const [s1, s2] = sockets;
      assert.deepEqual(s1.handshake.auth, {});
      assert.deepEqual(s2.handshake.auth, {});
      assert.notEqual(s1.handshake.auth, s2.handshake.auth);
      s1.handshake.auth.mark = 1;
      assert.equal(s2.handshake.auth.mark, undefined);
      assert.deepEqual(s1.data, {});
      s1.data.user = 'u1';
      assert.deepEqual(s2.data, {});
      s2.data = { user: 'u2' };
      assert.deepEqual(s2.data, { user: 'u2' });
      assert.equal(s1.data.user, 'u1');
      a.close();
      b.close();
    } finally {
      await h.close();
    }
  });

  test('one connection in two namespaces routes each packet to its socket and leaves them one by one', async () => {
    const h = await startServer();
    try {
      const seen: string[] = [];
      h.io.on('connection', (s) => s.on('hi', (x: string) => seen.push('/:' + x)));
      const admin: any[] = [];
      h.io.of('/admin').on('connection', (s) => {
        admin.push(s);
        s.on('hi', (x: string) => seen.push('/admin:' + x));
      });
      const peer = await openRaw(h.port);
      peer.send('40');
      await peer.next((m) => m.startsWith('40{'));
      peer.send('40/admin,');
      await peer.next((m) => m.startsWith('40/admin,'));
      peer.send('42["hi","a"]');
      peer.send('42/admin,["hi","b"]');
      await sleep(30);
      assert.deepEqual(seen, ['/:a', '/admin:b']);
      // leaving one namespace keeps the other
      admin[0].disconnect();
      await peer.next((m) => m === '41/admin,');
      peer.send('42["hi","c"]');
      await sleep(30);
      assert.deepEqual(seen, ['/:a', '/admin:b', '/:c']);
      // a packet for the namespace left closes the connection (invalid state), as the reference does
      peer.send('42/admin,["hi","d"]');
      assert.equal(await peer.closed, 1005);
      assert.deepEqual(seen, ['/:a', '/admin:b', '/:c']);
    } finally {
      await h.close();
    }
  });
});

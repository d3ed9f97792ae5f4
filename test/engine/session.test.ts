/**
 * Session details: events, initialPacket, close edge cases of PROTOCOL.md §1.5 and §6.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, req, openPolling, WsClient, wsUrl, nextConnection, sleep } from './helpers.js';
import type { Polling } from '../../src/engine/transports/polling.js';

describe('session', () => {
  test('initialPacket follows the open packet on both transports', async () => {
    const h = await startEngine({ initialPacket: 'welcome' });
    try {
      const res = await req(h.port, 'GET', h.path('EIO=4&transport=polling'));
      assert.match(res.text, /^0\{.*\}\x1e4welcome$/);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      assert.match((await c.next()) as string, /^0\{/);
      assert.equal(await c.next(), '4welcome');
      c.close();
    } finally {
      await h.close();
    }
  });

  test('events: packet, packetCreate, flush, drain, message, data; request and remoteAddress', async () => {
    const h = await startEngine();
    try {
      const conn = nextConnection(h.engine);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket&foo=bar'));
      await c.next();
      const socket = await conn;
      assert.equal(socket.request._query.foo, 'bar');
      assert.equal(socket.request.url, '/engine.io/?EIO=4&transport=websocket&foo=bar');
      assert.match(socket.remoteAddress, /127\.0\.0\.1/);
      assert.equal(socket.request.websocket, undefined);
      const seen: string[] = [];
      socket.on('packet', (p) => seen.push('packet:' + p.type));
      socket.on('packetCreate', (p) => seen.push('create:' + p.type));
      socket.on('flush', (buf) => seen.push('flush:' + buf.length));
      socket.on('drain', () => seen.push('drain'));
      socket.on('data', (d) => seen.push('data:' + d));
      const serverDrain: unknown[] = [];
      h.engine.on('drain', (s) => serverDrain.push(s));
      const got = new Promise((resolve) => socket.once('message', resolve));
      c.send('4in');
      await got;
      socket.send('out');
      assert.equal(await c.next(), '4out');
      assert.deepEqual(seen, ['packet:message', 'data:in', 'create:message', 'flush:1', 'drain']);
      assert.deepEqual(serverDrain, [socket]);
      c.close();
    } finally {
      await h.close();
    }
  });

  test('a close packet over WebSocket is ignored', async () => {
    const h = await startEngine();
    try {
      const conn = nextConnection(h.engine);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      await c.next();
      const socket = await conn;
      c.send('1');
      c.send('4after');
      const got = await new Promise((resolve) => socket.once('message', resolve));
      assert.equal(got, 'after');
      assert.equal(socket.readyState, 'open');
      c.close();
    } finally {
      await h.close();
    }
  });

  test('POST with a close packet first: the rest is ignored, pending GET gets 6', async () => {
    const h = await startEngine();
    try {
      const { sid } = await openPolling(h);
      const socket = h.engine.clients.get(sid)!;
      const messages: unknown[] = [];
      socket.on('message', (m) => messages.push(m));
      const pending = req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + sid));
      await sleep(20);
      const res = await req(h.port, 'POST', h.path('EIO=4&transport=polling&sid=' + sid), '4a\x1e1\x1e4b');
      assert.equal(res.text, 'ok');
      assert.equal((await pending).text, '6');
      assert.deepEqual(messages, ['a']);
      assert.equal(socket.readyState, 'closed');
    } finally {
      await h.close();
    }
  });

  test('a buffered polling close completes after closeTimeout without a GET', async () => {
    const h = await startEngine();
    try {
      const { sid } = await openPolling(h);
      const socket = h.engine.clients.get(sid)!;
      (socket.transport as Polling).closeTimeout = 50;
      const reason = new Promise((resolve) => socket.once('close', resolve));
      socket.close();
      assert.equal(socket.readyState, 'closing');
      assert.equal(await reason, 'forced close');
      assert.equal(h.engine.clientsCount, 0);
    } finally {
      await h.close();
    }
  });

  test('close(true) discards: no close packet awaited', async () => {
    const h = await startEngine();
    try {
      const { sid } = await openPolling(h);
      const socket = h.engine.clients.get(sid)!;
      const reason = new Promise((resolve) => socket.once('close', resolve));
      socket.close(true);
      assert.equal(await reason, 'forced close');
      assert.equal(socket.readyState, 'closed');
      // sends after close are dropped
      socket.send('nope');
      const res = await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + sid));
      assert.equal(res.text, '{"code":1,"message":"Session ID unknown"}');
    } finally {
      await h.close();
    }
  });

  test('send callbacks fire once the batch is written (polling and websocket)', async () => {
    const h = await startEngine();
    try {
      const { sid } = await openPolling(h);
      const socket = h.engine.clients.get(sid)!;
      const order: string[] = [];
      socket.send('a', () => order.push('a'));
      socket.send('b', {}, () => order.push('b'));
      assert.deepEqual(order, []);
      assert.equal((await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + sid))).text, '4a\x1e4b');
      assert.deepEqual(order, ['a', 'b']);
      const conn = nextConnection(h.engine);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      await c.next();
      const ws = await conn;
      await new Promise<void>((resolve) => ws.write('w', resolve));
      assert.equal(await c.next(), '4w');
      c.close();
    } finally {
      await h.close();
    }
  });

  test('a pong refreshes the schedule; another packet while awaiting the pong extends the timeout once', async () => {
    const h = await startEngine({ pingInterval: 60, pingTimeout: 120 });
    try {
      const conn = nextConnection(h.engine);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      await c.next();
      const socket = await conn;
      assert.equal(await c.next(), '2');
      const t0 = Date.now();
      const reason = new Promise((resolve) => socket.once('close', resolve));
      await sleep(80);
      c.send('4x'); // refreshes the 120 ms timeout once
      assert.equal(await reason, 'ping timeout');
      assert.ok(Date.now() - t0 >= 180, String(Date.now() - t0));
    } finally {
      await h.close();
    }
  });
});

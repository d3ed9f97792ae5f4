/**
 * Engine basics over the raw protocol: polling and WebSocket handshakes, messages both ways,
 * heartbeat, ping timeout and close.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, req, openPolling, WsClient, wsUrl, nextConnection, sleep } from './helpers.js';

describe('engine basics', () => {
  test('polling handshake: open packet, headers, sid format', async () => {
    const h = await startEngine({ pingInterval: 25000, pingTimeout: 20000 });
    try {
      const res = await req(h.port, 'GET', h.path('EIO=4&transport=polling&t=abc'));
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'text/plain; charset=UTF-8');
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.equal(res.headers['content-length'], String(res.body.length));
      assert.match(res.text, /^0\{"sid":"[A-Za-z0-9_-]{20}","upgrades":\["websocket"\],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000\}$/);
      assert.equal(h.engine.clientsCount, 1);
      const sid = JSON.parse(res.text.slice(1)).sid as string;
      assert.ok(h.engine.clients.get(sid));
    } finally {
      await h.close();
    }
  });

  test('polling: POST messages reach the socket, sent messages reach the GET', async () => {
    const h = await startEngine();
    try {
      const received: unknown[] = [];
      h.engine.on('connection', (s) => s.on('message', (d) => received.push(d)));
      const { sid } = await openPolling(h);
      const post = await req(h.port, 'POST', h.path('EIO=4&transport=polling&sid=' + sid), '4hello\x1e4\x1ebAQIDBA==');
      assert.equal(post.status, 200);
      assert.equal(post.text, 'ok');
      assert.equal(post.headers['content-type'], 'text/html');
      assert.equal(post.headers['content-length'], '2');
      assert.equal(post.headers['cache-control'], 'no-store');
      // an empty message carries no data, as in the reference server
      assert.deepEqual(received, ['hello', undefined, Buffer.from([1, 2, 3, 4])]);
      const socket = h.engine.clients.get(sid)!;
      socket.send('a');
      socket.send(Buffer.from([1, 2, 3]));
      socket.send('');
      const get = await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + sid));
      assert.equal(get.text, '4a\x1ebAQID\x1e4');
    } finally {
      await h.close();
    }
  });

  test('polling: a held GET is released by a send', async () => {
    const h = await startEngine();
    try {
      const { sid } = await openPolling(h);
      const pending = req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + sid));
      await sleep(50);
      const cb = new Promise<void>((resolve) => h.engine.clients.get(sid)!.send('late', resolve));
      assert.equal((await pending).text, '4late');
      await cb;
    } finally {
      await h.close();
    }
  });

  test('websocket-only session: open packet first, messages both ways', async () => {
    const h = await startEngine();
    try {
      const conn = nextConnection(h.engine);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      const open = (await c.next()) as string;
      assert.match(open, /^0\{"sid":"[A-Za-z0-9_-]{20}","upgrades":\[\],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000\}$/);
      const socket = await conn;
      assert.equal(socket.transport.name, 'websocket');
      assert.equal(socket.protocol, 4);
      const got = new Promise((resolve) => socket.once('message', resolve));
      c.send('4hi');
      assert.equal(await got, 'hi');
      const gotBin = new Promise((resolve) => socket.once('message', resolve));
      c.send(Buffer.from([9, 8]));
      assert.deepEqual(await gotBin, Buffer.from([9, 8]));
      socket.send('yo');
      socket.send(Buffer.from([7]));
      assert.equal(await c.next(), '4yo');
      assert.deepEqual(await c.next(), Buffer.from([7]));
      c.close();
    } finally {
      await h.close();
    }
  });

  test('heartbeat: ping after pingInterval, pong keeps the session, silence times it out', async () => {
    const h = await startEngine({ pingInterval: 200, pingTimeout: 1500 });
    try {
      const conn = nextConnection(h.engine);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      await c.next();
      const socket = await conn;
      let heartbeats = 0;
      socket.on('heartbeat', () => heartbeats++);
      const t0 = Date.now();
      assert.equal(await c.next(), '2');
      assert.ok(Date.now() - t0 >= 180);
      c.send('3');
      assert.equal(await c.next(), '2');
      c.send('3');
      assert.equal(await c.next(), '2');
      const reason = new Promise((resolve) => socket.once('close', resolve));
      assert.equal(await reason, 'ping timeout');
      assert.equal(heartbeats, 2);
      assert.equal(h.engine.clientsCount, 0);
      await c.closed;
    } finally {
      await h.close();
    }
  });

  test('heartbeat over polling: the held GET is released by the ping', async () => {
    const h = await startEngine({ pingInterval: 100, pingTimeout: 200 });
    try {
      const { sid } = await openPolling(h);
      const get = await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + sid));
      assert.equal(get.text, '2');
      assert.equal((await req(h.port, 'POST', h.path('EIO=4&transport=polling&sid=' + sid), '3')).text, 'ok');
      assert.equal((await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + sid))).text, '2');
    } finally {
      await h.close();
    }
  });

  test('a client ping closes the session (invalid heartbeat direction)', async () => {
    const h = await startEngine();
    try {
      const conn = nextConnection(h.engine);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      await c.next();
      const socket = await conn;
      const closed = new Promise<[string, Error]>((resolve) => socket.once('close', (r, d) => resolve([r, d as Error])));
      c.send('2');
      const [reason, desc] = await closed;
      assert.equal(reason, 'transport error');
      assert.equal(desc.message, 'invalid heartbeat direction');
      await c.closed;
    } finally {
      await h.close();
    }
  });

  test('server close: pending GET gets 1; without a GET the next GET gets 6\\x1e1', async () => {
    const h = await startEngine();
    try {
      const a = await openPolling(h);
      const pending = req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + a.sid));
      const sa = h.engine.clients.get(a.sid)!;
      // the GET is held once the transport is writable
      for (let i = 0; i < 1000 && !(sa.transport as { writable?: boolean }).writable; i++) await sleep(10);
      const ra = new Promise((resolve) => sa.once('close', resolve));
      sa.close();
      assert.equal((await pending).text, '1');
      assert.equal(await ra, 'forced close');

      const b = await openPolling(h);
      const sb = h.engine.clients.get(b.sid)!;
      const rb = new Promise((resolve) => sb.once('close', resolve));
      sb.send('queued');
      sb.close();
      assert.equal(sb.readyState, 'closing');
      assert.equal((await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + b.sid))).text, '4queued');
      assert.equal((await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + b.sid))).text, '6\x1e1');
      assert.equal(await rb, 'forced close');
      const after = await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + b.sid));
      assert.equal(after.status, 400);
      assert.equal(after.text, '{"code":1,"message":"Session ID unknown"}');
    } finally {
      await h.close();
    }
  });

  test('client close over polling: POST 1 releases the pending GET with 6', async () => {
    const h = await startEngine();
    try {
      const { sid } = await openPolling(h);
      const socket = h.engine.clients.get(sid)!;
      const reason = new Promise((resolve) => socket.once('close', resolve));
      const pending = req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + sid));
      await sleep(30);
      assert.equal((await req(h.port, 'POST', h.path('EIO=4&transport=polling&sid=' + sid), '1')).text, 'ok');
      assert.equal((await pending).text, '6');
      assert.equal(await reason, 'transport close');
    } finally {
      await h.close();
    }
  });

  test('websocket close: server close closes the socket; client close emits transport close', async () => {
    const h = await startEngine();
    try {
      let conn = nextConnection(h.engine);
      const a = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      await a.next();
      const sa = await conn;
      sa.send('bye');
      const ra = new Promise((resolve) => sa.once('close', resolve));
      sa.close();
      assert.equal(await a.next(), '4bye');
      await a.closed;
      assert.equal(await ra, 'forced close');

      conn = nextConnection(h.engine);
      const b = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      await b.next();
      const sb = await conn;
      const rb = new Promise((resolve) => sb.once('close', resolve));
      b.ws.close();
      assert.equal(await rb, 'transport close');
    } finally {
      await h.close();
    }
  });

  test('engine.close() closes every session', async () => {
    const h = await startEngine();
    try {
      await openPolling(h);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      await c.next();
      assert.equal(h.engine.clientsCount, 2);
      h.engine.close();
      assert.equal(h.engine.clientsCount, 0);
      await c.closed;
    } finally {
      await h.close();
    }
  });
});

test('default ids are 20 base64url characters and unique', async () => {
  const h = await startEngine();
  try {
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const id = h.engine.generateId({} as never) as string;
      assert.match(id, /^[A-Za-z0-9_-]{20}$/);
      ids.add(id);
    }
    assert.equal(ids.size, 1000);
  } finally {
    await h.close();
  }
});

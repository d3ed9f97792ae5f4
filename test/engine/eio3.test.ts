/**
 * Engine.IO v3 (`allowEIO3`): length-prefixed polling payloads (text and binary), reversed
 * heartbeat, v3 WebSocket frames, and the reference v3 client (engine.io-client@3).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startEngine, req, WsClient, wsUrl, nextConnection, sleep } from './helpers.js';

const require = createRequire(import.meta.url);
// engine.io-client@3, bundled with socket.io-client@2
const EioClientV3 = require(
  fileURLToPath(new URL('../../node_modules/socket.io-client-v2/node_modules/engine.io-client/lib/index.js', import.meta.url)),
) as new (uri: string, opts: Record<string, unknown>) => {
  on(event: string, fn: (...a: any[]) => void): void;
  once(event: string, fn: (...a: any[]) => void): void;
  send(data: unknown): void;
  close(): void;
  transport: { name: string };
};

const OPEN_V3 = /^118:0\{"sid":"([A-Za-z0-9_-]{20})","upgrades":\["websocket"\],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000\}$/;

describe('Engine.IO v3', () => {
  test('refused without allowEIO3', async () => {
    const h = await startEngine();
    try {
      const res = await req(h.port, 'GET', h.path('EIO=3&transport=polling'));
      assert.equal(res.text, '{"code":5,"message":"Unsupported protocol version"}');
    } finally {
      await h.close();
    }
  });

  test('with allowEIO3, any EIO other than 4 (or none) is served as v3, like the reference', async () => {
    const h = await startEngine({ allowEIO3: true });
    try {
      for (const q of ['transport=polling', 'EIO=9&transport=polling']) {
        const res = await req(h.port, 'GET', h.path(q));
        assert.match(res.text, OPEN_V3, q);
      }
      const v4 = await req(h.port, 'GET', h.path('EIO=4&transport=polling'));
      assert.match(v4.text, /^0\{"sid"/);
      // a v4 session cannot be continued with EIO=3
      const sid = /"sid":"([^"]+)"/.exec(v4.text)![1]!;
      const mismatch = await req(h.port, 'GET', h.path('EIO=3&transport=polling&sid=' + sid));
      assert.equal(mismatch.text, '{"code":3,"message":"Bad request"}');
    } finally {
      await h.close();
    }
  });

  test('polling: length-prefixed text payloads, v3 ping answered with pong', async () => {
    const h = await startEngine({ allowEIO3: true });
    try {
      const open = await req(h.port, 'GET', h.path('EIO=3&transport=polling'));
      assert.equal(open.headers['content-type'], 'text/plain; charset=UTF-8');
      const sid = OPEN_V3.exec(open.text)![1]!;
      const socket = h.engine.clients.get(sid)!;
      assert.equal(socket.protocol, 3);
      const messages: unknown[] = [];
      socket.on('message', (m) => messages.push(m));
      let heartbeats = 0;
      socket.on('heartbeat', () => heartbeats++);
      const post = await req(h.port, 'POST', h.path('EIO=3&transport=polling&sid=' + sid), '6:4héllo1:210:b4AQIDBA==');
      assert.equal(post.text, 'ok');
      assert.deepEqual(messages, ['héllo', Buffer.from([1, 2, 3, 4])]);
      assert.equal(heartbeats, 1);
      socket.send('a€');
      const get = await req(h.port, 'GET', h.path('EIO=3&transport=polling&sid=' + sid));
      assert.equal(get.text, '1:33:4a€');
    } finally {
      await h.close();
    }
  });

  test('polling: binary payloads in both directions; base64 payloads with b64=1', async () => {
    const h = await startEngine({ allowEIO3: true });
    try {
      const open = await req(h.port, 'GET', h.path('EIO=3&transport=polling'));
      const sid = OPEN_V3.exec(open.text)![1]!;
      const socket = h.engine.clients.get(sid)!;
      const messages: unknown[] = [];
      socket.on('message', (m) => messages.push(m));
      const body = Buffer.from([0, 3, 255, 0x34, 0x68, 0x69, 1, 5, 255, 4, 1, 2, 3, 4, 0, 3, 255, 0x34, 0xc3, 0xa9]);
      const post = await req(h.port, 'POST', h.path('EIO=3&transport=polling&sid=' + sid), body, {
        'Content-Type': 'application/octet-stream',
      });
      assert.equal(post.text, 'ok');
      assert.deepEqual(messages, ['hi', Buffer.from([1, 2, 3, 4]), 'é']);
      socket.send('é');
      socket.send(Buffer.from([9]));
      const get = await req(h.port, 'GET', h.path('EIO=3&transport=polling&sid=' + sid));
      assert.equal(get.headers['content-type'], 'application/octet-stream');
      assert.deepEqual([...get.body], [0, 3, 255, 0x34, 0xc3, 0xa9, 1, 2, 255, 4, 9]);

      const open64 = await req(h.port, 'GET', h.path('EIO=3&transport=polling&b64=1'));
      const sid64 = OPEN_V3.exec(open64.text)![1]!;
      h.engine.clients.get(sid64)!.send(Buffer.from([1, 2, 3, 4]));
      h.engine.clients.get(sid64)!.send('x');
      const get64 = await req(h.port, 'GET', h.path('EIO=3&transport=polling&b64=1&sid=' + sid64));
      assert.equal(get64.headers['content-type'], 'text/plain; charset=UTF-8');
      assert.equal(get64.text, '10:b4AQIDBA==2:4x');
    } finally {
      await h.close();
    }
  });

  test('v3 heartbeat: a pong from the client is invalid; silence times out after pingInterval + pingTimeout', async () => {
    const h = await startEngine({ allowEIO3: true, pingInterval: 60, pingTimeout: 60 });
    try {
      const open = await req(h.port, 'GET', h.path('EIO=3&transport=polling'));
      const sid = /"sid":"([^"]+)"/.exec(open.text)![1]!;
      const socket = h.engine.clients.get(sid)!;
      const reason = new Promise<[string, unknown]>((resolve) => socket.once('close', (r, d) => resolve([r, d])));
      await req(h.port, 'POST', h.path('EIO=3&transport=polling&sid=' + sid), '1:3');
      const [r, d] = await reason;
      assert.equal(r, 'transport error');
      assert.equal((d as Error).message, 'invalid heartbeat direction');

      const open2 = await req(h.port, 'GET', h.path('EIO=3&transport=polling'));
      const sid2 = /"sid":"([^"]+)"/.exec(open2.text)![1]!;
      const s2 = h.engine.clients.get(sid2)!;
      const t0 = Date.now();
      const r2 = new Promise((resolve) => s2.once('close', resolve));
      await sleep(80);
      await req(h.port, 'POST', h.path('EIO=3&transport=polling&sid=' + sid2), '1:2'); // resets the 120 ms timer
      assert.equal(await r2, 'ping timeout');
      assert.ok(Date.now() - t0 >= 190, String(Date.now() - t0));
    } finally {
      await h.close();
    }
  });

  test('websocket: binary frames carry the type byte; base64 frames are b4<base64>', async () => {
    const h = await startEngine({ allowEIO3: true });
    try {
      let conn = nextConnection(h.engine);
      const c = new WsClient(wsUrl(h, 'EIO=3&transport=websocket'));
      assert.match((await c.next()) as string, /^0\{"sid":"[^"]+","upgrades":\[\],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000\}$/);
      const socket = await conn;
      socket.send(Buffer.from([1, 2]));
      assert.deepEqual(await c.next(), Buffer.from([4, 1, 2]));
      const got = new Promise((resolve) => socket.once('message', resolve));
      c.send(Buffer.from([4, 7, 7]));
      assert.deepEqual(await got, Buffer.from([7, 7]));
      c.send('2');
      assert.equal(await c.next(), '3');
      c.close();

      conn = nextConnection(h.engine);
      const b = new WsClient(wsUrl(h, 'EIO=3&transport=websocket&b64=1'));
      await b.next();
      const s2 = await conn;
      s2.send(Buffer.from([1, 2, 3, 4]));
      assert.equal(await b.next(), 'b4AQIDBA==');
      b.close();
    } finally {
      await h.close();
    }
  });

  test('engine.io-client@3: polling, upgrade, text and binary both ways, reversed heartbeat', async () => {
    const h = await startEngine({ allowEIO3: true, pingInterval: 100, pingTimeout: 200 });
    try {
      const conn = nextConnection(h.engine);
      const client = new EioClientV3(`http://127.0.0.1:${h.port}`, { path: '/engine.io' });
      const received: unknown[] = [];
      client.on('message', (m: unknown) => received.push(m));
      await new Promise<void>((resolve) => client.once('open', () => resolve()));
      const socket = await conn;
      assert.equal(socket.protocol, 3);
      const upgraded = new Promise<void>((resolve) => socket.once('upgrade', () => resolve()));
      await upgraded;
      assert.equal(client.transport.name, 'websocket');
      const messages: unknown[] = [];
      socket.on('message', (m) => messages.push(m));
      client.send('hello');
      client.send(Buffer.from([1, 2, 3]));
      socket.send('from server');
      socket.send(Buffer.from([4, 5]));
      let heartbeats = 0;
      socket.on('heartbeat', () => heartbeats++);
      await sleep(350); // several client pings, answered by the server
      assert.deepEqual(messages, ['hello', Buffer.from([1, 2, 3])]);
      assert.equal(received[0], 'from server');
      assert.deepEqual(Buffer.from(received[1] as Uint8Array), Buffer.from([4, 5]));
      assert.ok(heartbeats >= 2, String(heartbeats));
      assert.equal(socket.readyState, 'open');
      const reason = new Promise((resolve) => socket.once('close', resolve));
      client.close();
      assert.equal(await reason, 'transport close');
    } finally {
      await h.close();
    }
  });

  test('engine.io-client@3 over polling only, with binary payloads', async () => {
    const h = await startEngine({ allowEIO3: true });
    try {
      const conn = nextConnection(h.engine);
      const client = new EioClientV3(`http://127.0.0.1:${h.port}`, { path: '/engine.io', transports: ['polling'] });
      const received: unknown[] = [];
      const gotTwo = new Promise<void>((resolve) =>
        client.on('message', (m: unknown) => {
          received.push(m);
          if (received.length === 2) resolve();
        }),
      );
      await new Promise<void>((resolve) => client.once('open', () => resolve()));
      const socket = await conn;
      const messages: unknown[] = [];
      const gotClient = new Promise<void>((resolve) =>
        socket.on('message', (m) => {
          messages.push(m);
          if (messages.length === 2) resolve();
        }),
      );
      client.send('a');
      client.send(Buffer.from([1, 2, 3]));
      await gotClient;
      assert.deepEqual(messages, ['a', Buffer.from([1, 2, 3])]);
      socket.send('b');
      socket.send(Buffer.from([7]));
      await gotTwo;
      assert.equal(received[0], 'b');
      assert.deepEqual(Buffer.from(received[1] as Uint8Array), Buffer.from([7]));
      client.close();
    } finally {
      await h.close();
    }
  });
});

/**
 * Malformed input closes only the offending session (`parse error`), and nothing a client
 * sends can throw out of a handler.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { DecodeError } from '../../src/protocol/errors.js';
import { startEngine, req, openPolling, WsClient, wsUrl, nextConnection, rawExchange, upgradeRequest } from './helpers.js';

describe('robustness', () => {
  test('malformed polling payloads: parse error on that session only', async () => {
    const h = await startEngine();
    try {
      const bystander = await openPolling(h);
      for (const body of ['abc', '4ok\x1e\x1e4x', '9', 'b!!!', '4a\x1ez']) {
        const { sid } = await openPolling(h);
        const socket = h.engine.clients.get(sid)!;
        const messages: unknown[] = [];
        socket.on('message', (m) => messages.push(m));
        const reason = new Promise((resolve) => socket.once('close', resolve));
        const res = await req(h.port, 'POST', h.path('EIO=4&transport=polling&sid=' + sid), body);
        assert.equal(res.status, 200, JSON.stringify(body));
        assert.equal(res.text, 'ok');
        assert.equal(await reason, 'parse error', JSON.stringify(body));
        // the dead session's polling transport does not linger waiting for a GET
        assert.equal(socket.transport.readyState, 'closed');
        // packets before the bad one were delivered
        if (body.startsWith('4ok')) assert.deepEqual(messages, ['ok']);
        if (body.startsWith('4a')) assert.deepEqual(messages, ['a']);
      }
      assert.equal(h.engine.clients.get(bystander.sid)!.readyState, 'open');
      assert.equal(h.engine.clientsCount, 1);
    } finally {
      await h.close();
    }
  });

  test('malformed websocket frames: parse error, the socket is closed', async () => {
    const h = await startEngine();
    try {
      for (const frame of ['x', '', '7', 'b%%%']) {
        const conn = nextConnection(h.engine);
        const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
        await c.next();
        const socket = await conn;
        const reason = new Promise((resolve) => socket.once('close', resolve));
        c.send(frame);
        assert.equal(await reason, 'parse error', JSON.stringify(frame));
        await c.closed;
      }
    } finally {
      await h.close();
    }
  });

  test('invalid UTF-8 in a text frame: the WebSocket is closed with 1007, transport error', async () => {
    const h = await startEngine();
    try {
      const conn = nextConnection(h.engine);
      const out = new Promise<string>((resolve) => {
        const s = connect(h.port, '127.0.0.1', () => s.write(upgradeRequest(h.path('EIO=4&transport=websocket'))));
        let buf = Buffer.alloc(0);
        let sent = false;
        s.on('data', (d: Buffer) => {
          buf = Buffer.concat([buf, d]);
          if (!sent && buf.includes('0{"sid"')) {
            sent = true;
            // masked text frame with bytes 34 ff (invalid UTF-8), mask 00000000
            s.write(Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0x34, 0xff]));
          }
        });
        s.on('close', () => resolve(buf.toString('latin1')));
        s.on('error', () => {});
      });
      const socket = await conn;
      const reason = new Promise((resolve) => socket.once('close', resolve));
      assert.equal(await reason, 'transport error');
      const bytes = await out;
      // close frame with status 1007
      assert.ok(bytes.includes('\x88'), 'close frame');
      assert.ok(bytes.includes('\x03\xef'), 'status 1007');
    } finally {
      await h.close();
    }
  });

  test('a throwing message listener closes that session only; the process survives', async () => {
    const h = await startEngine();
    try {
      h.engine.on('connection', (socket) => {
        socket.on('message', (m) => {
          if (m === 'boom') throw new Error('listener failure');
          if (m === 'decode') throw new DecodeError('bad', 'bad upper-layer packet');
          socket.send('echo:' + String(m));
        });
      });
      // websocket: plain error → transport error
      let conn = nextConnection(h.engine);
      const a = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      await a.next();
      const sa = await conn;
      const ra = new Promise<[string, unknown]>((resolve) => sa.once('close', (r, d) => resolve([r, d])));
      a.send('4boom');
      const [reasonA, descA] = await ra;
      assert.equal(reasonA, 'transport error');
      assert.equal(((descA as { description: Error }).description).message, 'listener failure');
      // websocket: DecodeError from the upper layer → parse error
      conn = nextConnection(h.engine);
      const b = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      await b.next();
      const sb = await conn;
      const rb = new Promise((resolve) => sb.once('close', resolve));
      b.send('4decode');
      assert.equal(await rb, 'parse error');
      // polling: the POST is still answered
      const { sid } = await openPolling(h);
      const sp = h.engine.clients.get(sid)!;
      const rp = new Promise((resolve) => sp.once('close', resolve));
      const res = await req(h.port, 'POST', h.path('EIO=4&transport=polling&sid=' + sid), '4boom');
      assert.equal(res.text, 'ok');
      assert.equal(await rp, 'transport error');
      // the engine still serves
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      await c.next();
      c.send('4hi');
      assert.equal(await c.next(), '4echo:hi');
      c.close();
    } finally {
      await h.close();
    }
  });

  test('throwing hooks and garbage requests do not crash the server', async () => {
    const h = await startEngine({
      allowRequest: (r, cb) => {
        if (r.url!.includes('throw')) throw new Error('allowRequest failure');
        cb(null, true);
      },
    });
    try {
      const res = await req(h.port, 'GET', h.path('EIO=4&transport=polling&throw=1'));
      assert.equal(res.status, 403);
      assert.equal(res.text, '{"code":4,"message":"Forbidden"}');
      const out = await rawExchange(h.port, upgradeRequest(h.path('EIO=4&transport=websocket&throw=1')));
      assert.match(out, /^HTTP\/1\.1 400 Bad Request/);
      // an upgrade with a broken key is refused by ws itself
      const bad = await rawExchange(
        h.port,
        `GET ${h.path('EIO=4&transport=websocket')} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: nope\r\n\r\n`,
      );
      assert.match(bad, /^HTTP\/1\.1 400 Bad Request/);
      const garbage = await rawExchange(h.port, 'NOT HTTP AT ALL\r\n\r\n');
      assert.match(garbage, /^HTTP\/1\.1 400 Bad Request/);
      // a polling GET whose connection drops: transport error, nothing thrown
      const { sid } = await openPolling(h);
      const socket = h.engine.clients.get(sid)!;
      const reason = new Promise((resolve) => socket.once('close', resolve));
      const s = connect(h.port, '127.0.0.1', () =>
        s.write(`GET ${h.path('EIO=4&transport=polling&sid=' + sid)} HTTP/1.1\r\nHost: x\r\n\r\n`),
      );
      setTimeout(() => s.destroy(), 50);
      assert.equal(await reason, 'transport error');
    } finally {
      await h.close();
    }
  });
});

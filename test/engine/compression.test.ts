/**
 * httpCompression on polling GET replies and permessage-deflate on WebSocket.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync, inflateSync } from 'node:zlib';
import { startEngine, req, openPolling, WsClient, wsUrl, nextConnection } from './helpers.js';
import type { SharedFrame } from '../../src/engine/socket.js';

describe('compression', () => {
  test('gzip and deflate on GET bodies at or above the threshold', async () => {
    const h = await startEngine();
    try {
      const { sid } = await openPolling(h);
      const socket = h.engine.clients.get(sid)!;
      const get = (enc: string) =>
        req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + sid), undefined, { 'Accept-Encoding': enc });
      const big = 'x'.repeat(2000);
      socket.send(big);
      const gz = await get('gzip, deflate');
      assert.equal(gz.headers['content-encoding'], 'gzip');
      assert.equal(gz.headers['content-type'], 'text/plain; charset=UTF-8');
      assert.equal(gz.headers['cache-control'], 'no-store');
      assert.ok(gz.body.length < 200);
      assert.equal(gunzipSync(gz.body).toString(), '4' + big);

      socket.send(big);
      const df = await get('deflate');
      assert.equal(df.headers['content-encoding'], 'deflate');
      assert.equal(inflateSync(df.body).toString(), '4' + big);

      socket.send(big);
      const pref = await get('deflate;q=0.5, gzip;q=0.9');
      assert.equal(pref.headers['content-encoding'], 'gzip');

      // below the threshold (1024 bytes): plain
      socket.send('y'.repeat(1022));
      const small = await get('gzip');
      assert.equal(small.headers['content-encoding'], undefined);
      assert.equal(small.text, '4' + 'y'.repeat(1022));
      // exactly the threshold: compressed
      socket.send('y'.repeat(1023));
      assert.equal((await get('gzip')).headers['content-encoding'], 'gzip');

      // no Accept-Encoding, or an unsupported one: plain
      socket.send(big);
      const none = await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + sid));
      assert.equal(none.headers['content-encoding'], undefined);
      assert.equal(none.text, '4' + big);
      socket.send(big);
      assert.equal((await get('br')).headers['content-encoding'], undefined);

      // compress: false on every packet of the batch: plain
      socket.send(big, { compress: false });
      assert.equal((await get('gzip')).headers['content-encoding'], undefined);
    } finally {
      await h.close();
    }
  });

  test('custom threshold and httpCompression: false', async () => {
    const h = await startEngine({ httpCompression: { threshold: 10 } });
    try {
      const { sid } = await openPolling(h);
      h.engine.clients.get(sid)!.send('z'.repeat(20));
      const res = await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + sid), undefined, { 'Accept-Encoding': 'gzip' });
      assert.equal(res.headers['content-encoding'], 'gzip');
      assert.equal(gunzipSync(res.body).toString(), '4' + 'z'.repeat(20));
    } finally {
      await h.close();
    }
    const off = await startEngine({ httpCompression: false });
    try {
      const { sid } = await openPolling(off);
      off.engine.clients.get(sid)!.send('z'.repeat(5000));
      const res = await req(off.port, 'GET', off.path('EIO=4&transport=polling&sid=' + sid), undefined, { 'Accept-Encoding': 'gzip' });
      assert.equal(res.headers['content-encoding'], undefined);
      assert.equal(res.text.length, 5001);
    } finally {
      await off.close();
    }
  });

  test('perMessageDeflate: off by default, negotiated when enabled, shared frames still correct', async () => {
    const plain = await startEngine();
    try {
      const c = new WsClient(wsUrl(plain, 'EIO=4&transport=websocket'));
      await c.next();
      assert.equal(c.ws.extensions, '');
      c.close();
    } finally {
      await plain.close();
    }
    const h = await startEngine({ perMessageDeflate: { threshold: 0 } });
    try {
      const conn = nextConnection(h.engine);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      await c.next();
      const socket = await conn;
      assert.match(c.ws.extensions, /permessage-deflate/);
      const shared: SharedFrame = {};
      socket.send('a'.repeat(3000), { shared });
      assert.equal(await c.next(), '4' + 'a'.repeat(3000));
      assert.equal(shared.ws, undefined); // not framed raw when deflate applies
      const got = new Promise((resolve) => socket.once('message', resolve));
      c.send('4' + 'b'.repeat(3000));
      assert.equal(await got, 'b'.repeat(3000));
      c.close();
    } finally {
      await h.close();
    }
  });
});

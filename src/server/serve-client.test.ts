import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { serveClientRequest } from './serve-client.js';
import { ensureClientBundles } from '../../scripts/build-client.mjs';

// the served browser bundle (dist/client-bundle/), built from the current sources if stale
await ensureClientBundles();

const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serveClientRequest', () => {
  let server: Server;
  let port: number;
  before(async () => {
    server = createServer((req, res) => {
      const path = req.url!.startsWith('/cors/') ? '/cors' : '/socket.io';
      const cors = path === '/cors' ? { origin: 'http://app.test', credentials: true } : undefined;
      if (serveClientRequest(req, res, { path, cors })) return;
      res.writeHead(404);
      res.end('not handled');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('serves the IIFE bundle under every drop-in name', async () => {
    const main = await get(port, '/socket.io/socketeer.min.js');
    assert.equal(main.status, 200);
    assert.equal(main.headers['content-type'], 'application/javascript; charset=utf-8');
    assert.equal(main.headers['etag'], `"${version}"`);
    assert.equal(main.headers['cache-control'], 'public, max-age=0');
    assert.equal(main.headers['content-encoding'], undefined);
    assert.equal(Number(main.headers['content-length']), main.body.length);
    const text = main.body.toString();
    assert.ok(text.includes('globalThis.io='), 'exposes the global io');
    assert.ok(text.trimEnd().endsWith('//# sourceMappingURL=socketeer.min.js.map'), 'links its source map');
    for (const alias of ['socket.io.js', 'socket.io.min.js']) {
      const r = await get(port, `/socket.io/${alias}?v=1`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, main.body);
    }
    const esm = await get(port, '/socket.io/socket.io.esm.min.js');
    assert.equal(esm.status, 200);
    assert.ok(esm.body.toString().includes('export{'), 'is an ES module');
  });

  it('serves the MessagePack script under its drop-in name', async () => {
    const r = await get(port, '/socket.io/socket.io.msgpack.min.js');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/javascript; charset=utf-8');
    const text = r.body.toString();
    assert.ok(text.includes('globalThis.io='), 'exposes the global io');
    assert.ok(text.trimEnd().endsWith('//# sourceMappingURL=socketeer.msgpack.min.js.map'), 'links its source map');
    const plain = await get(port, '/socket.io/socket.io.min.js');
    assert.notDeepEqual(r.body, plain.body);
    const map = await get(port, '/socket.io/socket.io.msgpack.min.js.map');
    assert.equal(map.status, 200);
    assert.ok(JSON.parse(map.body.toString()).sources.some((s: string) => s.includes('src/client/msgpack-parser.ts')));
  });

  it('serves the source maps as JSON', async () => {
    for (const name of ['socketeer.min.js.map', 'socket.io.min.js.map', 'socket.io.esm.min.js.map']) {
      const r = await get(port, `/socket.io/${name}`);
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
      const map = JSON.parse(r.body.toString());
      assert.equal(map.version, 3);
      assert.ok(map.sources.some((s: string) => s.includes('src/client/socket.ts')));
    }
  });

  it('answers 304 to a matching If-None-Match (strong or weak)', async () => {
    for (const etag of [`"${version}"`, `W/"${version}"`]) {
      const r = await get(port, '/socket.io/socket.io.min.js', { 'If-None-Match': etag });
      assert.equal(r.status, 304);
      assert.equal(r.body.length, 0);
    }
    const stale = await get(port, '/socket.io/socket.io.min.js', { 'If-None-Match': '"0.0.0-old"' });
    assert.equal(stale.status, 200);
  });

  it('compresses with brotli or gzip as accepted', async () => {
    const plain = await get(port, '/socket.io/socketeer.min.js');
    const br = await get(port, '/socket.io/socketeer.min.js', { 'Accept-Encoding': 'br, gzip, deflate' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(br.headers['vary'], 'Accept-Encoding');
    assert.deepEqual(brotliDecompressSync(br.body), plain.body);
    assert.ok(br.body.length < plain.body.length / 2);
    const gz = await get(port, '/socket.io/socketeer.min.js', { 'Accept-Encoding': 'gzip, br;q=0' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.deepEqual(gunzipSync(gz.body), plain.body);
    const none = await get(port, '/socket.io/socketeer.min.js', { 'Accept-Encoding': 'identity' });
    assert.equal(none.headers['content-encoding'], undefined);
    // the order of the header decides between equal qualities, as the reference does (what browsers send
    // gets gzip)
    for (const header of ['gzip, br', 'gzip, deflate, br, zstd']) {
      const first = await get(port, '/socket.io/socketeer.min.js', { 'Accept-Encoding': header });
      assert.equal(first.headers['content-encoding'], 'gzip', header);
    }
    const deflate = await get(port, '/socket.io/socketeer.min.js', { 'Accept-Encoding': 'deflate' });
    assert.equal(deflate.headers['content-encoding'], 'deflate');
    assert.deepEqual(inflateSync(deflate.body), plain.body);
    const again = await get(port, '/socket.io/socketeer.min.js', { 'Accept-Encoding': 'deflate' });
    assert.deepEqual(again.body, deflate.body);
  });

  it('answers HEAD without a body', async () => {
    const r = await get(port, '/socket.io/socket.io.js', {}, 'HEAD');
    assert.equal(r.status, 200);
    assert.ok(Number(r.headers['content-length']) > 1000);
    assert.equal(r.body.length, 0);
  });

  it('answers 400 for unknown client files and leaves other requests alone', async () => {
    for (const name of ['socket.io.slim.js', 'nope.js', 'x.map']) {
      const r = await get(port, `/socket.io/${name}`);
      assert.equal(r.status, 400, name);
      assert.deepEqual(JSON.parse(r.body.toString()), { code: 0, message: 'Transport unknown' });
    }
    for (const path of ['/socket.io/?EIO=4&transport=polling', '/other/socket.io.js', '/socket.iox/socket.io.js', '/socket.io/a/b.js']) {
      const r = await get(port, path);
      assert.equal(r.status, 404, path);
      assert.equal(r.body.toString(), 'not handled');
    }
    // the reference serves its client files whatever the method
    const post = await get(port, '/socket.io/socket.io.js', {}, 'POST');
    assert.equal(post.status, 200);
    assert.ok(post.body.toString().includes('globalThis.io='));
    const postUnknown = await get(port, '/socket.io/nope.js', {}, 'POST');
    assert.equal(postUnknown.status, 404);
  });

  it('applies CORS options', async () => {
    const r = await get(port, '/cors/socket.io.min.js', { Origin: 'http://app.test' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['access-control-allow-origin'], 'http://app.test');
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
    const plain = await get(port, '/socket.io/socket.io.min.js', { Origin: 'http://app.test' });
    assert.equal(plain.headers['access-control-allow-origin'], undefined);
  });
});

/**
 * The served browser client against the official `socket.io` server: the same requests to both servers get
 * the same status, the same negotiated `Content-Encoding` (from the order and q-values of
 * `Accept-Encoding`), the same file names (the MessagePack script included), the same ETag / 304 rules.
 * The scripts themselves differ (each server serves its own client), so bodies are only checked to decode.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { official, socketeer, type TestServer } from './servers.js';
import { ensureClientBundles } from '../../scripts/build-client.mjs';

// the served browser bundle (dist/client-bundle/), built from the current sources if stale
await ensureClientBundles();

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function fetchRaw(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
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

/** The body as sent before compression. */
function decoded(r: Reply): Buffer {
  switch (r.headers['content-encoding']) {
    case 'br':
      return brotliDecompressSync(r.body);
    case 'gzip':
      return gunzipSync(r.body);
    case 'deflate':
      return inflateSync(r.body);
    default:
      return r.body;
  }
}

const ACCEPT_ENCODINGS: Array<string | undefined> = [
  undefined,
  '',
  'identity',
  'gzip',
  'br',
  'deflate',
  'gzip, br',
  'br, gzip',
  'gzip, deflate, br',
  'gzip, deflate, br, zstd',
  'deflate, gzip',
  'gzip;q=0.5, br',
  'gzip;q=0.8, br;q=0.8',
  'br;q=0, gzip;q=0',
  'gzip;q=0',
  '*',
  '*;q=0',
  '*, gzip',
  'br;q=0, *',
  'identity, *;q=0',
  'GZIP',
  'gzip;q=abc, deflate',
  'x-gzip, compress',
];

const NAMES = [
  'socket.io.js',
  'socket.io.js.map',
  'socket.io.min.js',
  'socket.io.min.js.map',
  'socket.io.esm.min.js',
  'socket.io.esm.min.js.map',
  'socket.io.msgpack.min.js',
  'socket.io.msgpack.min.js.map',
  'socket.io.slim.js',
  'nope.map',
];

describe('served client: socket.io and Socketeer answer the same requests the same way', () => {
  let reference: TestServer;
  let ours: TestServer;
  const both = (path: string, headers?: Record<string, string>, method?: string): Promise<[Reply, Reply]> =>
    Promise.all([fetchRaw(reference.port, path, headers, method), fetchRaw(ours.port, path, headers, method)]);

  before(async () => {
    reference = await official.start({});
    ours = await socketeer.start({});
  });
  after(async () => {
    await reference.close();
    await ours.close();
  });

  it('negotiates the same Content-Encoding for every Accept-Encoding', async () => {
    const chosen: Record<string, unknown> = {};
    for (const header of ACCEPT_ENCODINGS) {
      const headers: Record<string, string> = header === undefined ? {} : { 'Accept-Encoding': header };
      const [a, b] = await both('/socket.io/socket.io.min.js', headers);
      assert.equal(a.status, 200);
      assert.equal(b.status, 200);
      assert.equal(b.headers['content-encoding'], a.headers['content-encoding'], `Accept-Encoding: ${header}`);
      assert.ok(decoded(a).toString().includes('io'), 'the reference body decodes');
      assert.ok(decoded(b).toString().includes('globalThis.io='), `our body decodes (${header})`);
      chosen[String(header)] = a.headers['content-encoding'] ?? 'identity';
    }
    // what the reference chooses, as documented in the README
    assert.equal(chosen['gzip, br'], 'gzip');
    assert.equal(chosen['gzip, deflate, br'], 'gzip');
    assert.equal(chosen['br, gzip'], 'br');
    assert.equal(chosen['deflate'], 'deflate');
    assert.equal(chosen['*'], 'br');
    assert.equal(chosen['gzip;q=0'], 'identity');
  });

  it('serves the same file names (MessagePack script included) with the same status and type', async () => {
    for (const name of NAMES) {
      for (const query of ['', '?v=4.8.1']) {
        const [a, b] = await both(`/socket.io/${name}${query}`);
        assert.equal(b.status, a.status, name + query);
        assert.equal(b.headers['content-type'], a.headers['content-type'], name + query);
        if (a.status === 200) {
          assert.ok(b.body.length > 100, name);
          if (name.endsWith('.map')) assert.equal(JSON.parse(decoded(b).toString()).version, 3);
        } else {
          assert.deepEqual(JSON.parse(b.body.toString()), JSON.parse(a.body.toString()), name);
        }
      }
    }
    const [a, b] = await both('/socket.io/socket.io.msgpack.min.js');
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
  });

  it('answers other methods as the reference does', async () => {
    for (const method of ['HEAD', 'POST', 'PUT', 'DELETE']) {
      const [a, b] = await both('/socket.io/socket.io.min.js', {}, method);
      assert.equal(b.status, a.status, method);
      assert.equal(b.headers['content-type'], a.headers['content-type'], method);
      assert.equal(b.body.length === 0, a.body.length === 0, method);
    }
  });

  it('uses a quoted ETag; a matching If-None-Match (strong or weak) gets 304, anything else 200', async () => {
    const [a, b] = await both('/socket.io/socket.io.min.js');
    const etags = [a.headers['etag'], b.headers['etag']] as string[];
    for (const etag of etags) assert.match(etag, /^"[^"]+"$/);
    const ports = [reference.port, ours.port];
    for (let i = 0; i < 2; i++) {
      const own = etags[i]!;
      const cases: Array<[string, number]> = [
        [own, 304],
        ['W/' + own, 304],
        ['"0.0.0-old"', 200],
        ['*', 200],
        [`"x", ${own}`, 200],
        [own.slice(1, -1), 200],
      ];
      for (const [value, status] of cases) {
        const r = await fetchRaw(ports[i]!, '/socket.io/socket.io.min.js', { 'If-None-Match': value, 'Accept-Encoding': 'gzip' });
        assert.equal(r.status, status, `${i === 0 ? 'reference' : 'socketeer'}: If-None-Match ${value}`);
        if (status === 304) assert.equal(r.body.length, 0);
      }
      const map = await fetchRaw(ports[i]!, '/socket.io/socket.io.msgpack.min.js.map', { 'If-None-Match': own });
      assert.equal(map.status, 304);
    }
  });

  it('applies the cors option to the client files the same way', async () => {
    const opts = { cors: { origin: 'http://app.test', credentials: true } };
    const [ref, our] = [await official.start(opts), await socketeer.start(opts)];
    try {
      const [a, b] = await Promise.all([
        fetchRaw(ref.port, '/socket.io/socket.io.min.js', { Origin: 'http://app.test' }),
        fetchRaw(our.port, '/socket.io/socket.io.min.js', { Origin: 'http://app.test' }),
      ]);
      assert.equal(b.status, a.status);
      for (const h of ['access-control-allow-origin', 'access-control-allow-credentials']) {
        assert.equal(b.headers[h], a.headers[h], h);
      }
      const [pa, pb] = await Promise.all([
        fetchRaw(ref.port, '/socket.io/socket.io.min.js', { Origin: 'http://app.test', 'Access-Control-Request-Method': 'GET' }, 'OPTIONS'),
        fetchRaw(our.port, '/socket.io/socket.io.min.js', { Origin: 'http://app.test', 'Access-Control-Request-Method': 'GET' }, 'OPTIONS'),
      ]);
      assert.equal(pb.status, pa.status);
      assert.equal(pb.headers['access-control-allow-origin'], pa.headers['access-control-allow-origin']);
    } finally {
      await ref.close();
      await our.close();
    }
  });

  it('serveClient: false serves nothing on either server', async () => {
    const [ref, our] = [await official.start({ serveClient: false }), await socketeer.start({ serveClient: false })];
    try {
      for (const name of ['socket.io.min.js', 'socket.io.msgpack.min.js']) {
        const [a, b] = await Promise.all([fetchRaw(ref.port, `/socket.io/${name}`), fetchRaw(our.port, `/socket.io/${name}`)]);
        assert.equal(a.status, 400);
        assert.equal(b.status, a.status, name);
      }
    } finally {
      await ref.close();
      await our.close();
    }
  });
});

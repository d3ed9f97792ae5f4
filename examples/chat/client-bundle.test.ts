import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { runInNewContext } from 'node:vm';
import { buildFallbackBundle, probeServedBundle, SERVED_BUNDLE } from './client-bundle.js';

test('the fallback bundle defines the global io of the Socket.IO script', async () => {
  const js = await buildFallbackBundle();
  assert.doesNotMatch(js, /sourceMappingURL/);
  const sandbox: Record<string, any> = {};
  sandbox.globalThis = sandbox;
  runInNewContext(js, sandbox);
  assert.equal(typeof sandbox.io, 'function');
  assert.equal(typeof sandbox.io.Manager, 'function');
  assert.equal(sandbox.io.protocol, 5);
});

test('the probe tells a served bundle from a missing one', async () => {
  const http = createServer((req, res) => {
    if (req.url === SERVED_BUNDLE) res.writeHead(200, { 'content-type': 'application/javascript' }).end('x');
    else res.writeHead(404).end();
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;
  try {
    assert.equal(await probeServedBundle(port), true);
    http.removeAllListeners('request');
    http.on('request', (_req, res) => res.writeHead(400, { 'content-type': 'application/json' }).end('{}'));
    assert.equal(await probeServedBundle(port), false);
  } finally {
    http.closeAllConnections();
    http.close();
  }
  assert.equal(await probeServedBundle(port), false, 'nothing listening');
});

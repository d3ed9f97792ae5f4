/**
 * `attach()` routing details: foreign upgrades, `destroyUpgrade`, custom `wsEngine`, and
 * `handleRequest`/`handleUpgrade` for servers that route themselves.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { EngineServer } from '../../src/engine/server.js';
import { startEngine, rawExchange, upgradeRequest, req, WsClient } from './helpers.js';

describe('attach', () => {
  test('upgrades outside the path are destroyed after destroyUpgradeTimeout', async () => {
    const h = await startEngine({}, { destroyUpgradeTimeout: 100 });
    try {
      const t0 = Date.now();
      const out = await rawExchange(h.port, upgradeRequest('/other/'), 2000);
      assert.equal(out, '');
      const elapsed = Date.now() - t0;
      assert.ok(elapsed >= 90 && elapsed < 1500, String(elapsed));
    } finally {
      await h.close();
    }
  });

  test('destroyUpgrade: false leaves foreign upgrades to other listeners', async () => {
    const h = await startEngine({}, { destroyUpgrade: false, destroyUpgradeTimeout: 50 });
    const other = new WebSocketServer({ noServer: true });
    h.http.on('upgrade', (r, socket, head) => {
      if (r.url === '/other/') other.handleUpgrade(r, socket, head, (ws) => ws.send('other server'));
    });
    try {
      const c = new WsClient(`ws://127.0.0.1:${h.port}/other/`);
      await new Promise((resolve) => setTimeout(resolve, 120));
      assert.equal(await c.next(), 'other server');
      c.close();
    } finally {
      other.close();
      await h.close();
    }
  });

  test('a custom wsEngine is used for upgrades', async () => {
    let created = 0;
    let upgrades = 0;
    class CountingServer extends WebSocketServer {
      constructor(opts: ConstructorParameters<typeof WebSocketServer>[0]) {
        super(opts);
        created++;
      }
      override handleUpgrade(...args: Parameters<WebSocketServer['handleUpgrade']>): void {
        upgrades++;
        super.handleUpgrade(...args);
      }
    }
    const h = await startEngine({ wsEngine: CountingServer as never });
    try {
      assert.ok(created >= 1);
      const c = new WsClient(`ws://127.0.0.1:${h.port}${h.path('EIO=4&transport=websocket')}`);
      assert.match((await c.next()) as string, /^0\{/);
      assert.equal(upgrades, 1);
      c.close();
    } finally {
      await h.close();
    }
  });

  test('handleRequest and handleUpgrade for self-routed servers', async () => {
    const engine = new EngineServer();
    const http = createServer((r, res) => {
      if (r.url!.startsWith('/rt/')) engine.handleRequest(r, res);
      else {
        res.writeHead(404);
        res.end();
      }
    });
    http.on('upgrade', (r, socket, head) => engine.handleUpgrade(r, socket, head));
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const port = (http.address() as AddressInfo).port;
    try {
      const res = await req(port, 'GET', '/rt/?EIO=4&transport=polling');
      assert.match(res.text, /^0\{"sid"/);
      const c = new WsClient(`ws://127.0.0.1:${port}/rt/?EIO=4&transport=websocket`);
      assert.match((await c.next()) as string, /^0\{"sid"/);
      assert.equal(engine.clientsCount, 2);
      c.close();
    } finally {
      engine.close();
      http.closeAllConnections();
      http.close();
    }
  });
});

/**
 * The request a session keeps after its handshake: the full `IncomingMessage` while the `connection` event
 * runs, then a slim copy with what `socket.request` users read and what middlewares added; the upgrade
 * response stand-in lets go of the connection once the upgrade is answered.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { IncomingMessage } from 'node:http';
import { once } from 'node:events';
import { startEngine, openPolling, WsClient, wsUrl, nextConnection } from './helpers.js';
import { HandshakeRequest } from '../../src/engine/handshake-request.js';
import type { EngineSocket } from '../../src/engine/socket.js';

/** Resolves with the next session and the request it had while its `connection` event ran. */
function nextSession(h: Awaited<ReturnType<typeof startEngine>>): Promise<{ socket: EngineSocket; during: unknown }> {
  return new Promise((resolve) => h.engine.once('connection', (socket) => resolve({ socket, during: socket.request })));
}

describe('slim handshake request', () => {
  for (const transport of ['websocket', 'polling'] as const) {
    test(`${transport}: the full request during 'connection', then a slim copy with headers, url, query, socket and middleware fields`, async () => {
      const h = await startEngine();
      try {
        h.engine.use((req, _res, next) => {
          (req as IncomingMessage & { user?: unknown }).user = { name: 'ada' };
          next();
        });
        const session = nextSession(h);
        let c: WsClient | undefined;
        if (transport === 'websocket') {
          c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket&room=a'), { headers: { 'x-team': 'blue', cookie: 'k=v' } });
          await c.next();
        } else {
          await openPolling(h, '&room=a');
        }
        const { socket, during } = await session;
        assert.ok(during instanceof IncomingMessage, 'the connection listeners see the IncomingMessage');
        const kept = socket.request as unknown as HandshakeRequest & { user?: unknown };
        assert.ok(kept instanceof HandshakeRequest);
        assert.equal(kept.method, 'GET');
        assert.equal(kept.url, `/engine.io/?EIO=4&transport=${transport}&room=a`);
        assert.equal(kept._query.room, 'a');
        assert.equal(kept._query.transport, transport);
        assert.equal(kept.httpVersion, '1.1');
        assert.equal(kept.httpVersionMajor, 1);
        assert.equal(kept.httpVersionMinor, 1);
        assert.equal(kept.headers.host, `127.0.0.1:${h.port}`);
        assert.equal(kept.socket, (during as IncomingMessage).socket);
        assert.equal(kept.connection, kept.socket);
        assert.match(kept.socket.remoteAddress ?? '', /127\.0\.0\.1/);
        assert.deepEqual(kept.user, { name: 'ada' });
        assert.equal(Object.hasOwn(kept, '_readableState'), false);
        assert.equal(Object.hasOwn(kept, 'rawHeaders'), false);
        const raw = kept.rawHeaders;
        assert.equal(raw[raw.indexOf('host') + 1], `127.0.0.1:${h.port}`);
        if (transport === 'websocket') {
          assert.equal(kept.headers['x-team'], 'blue');
          assert.equal(kept.headers.cookie, 'k=v');
          assert.equal(kept.upgrade, true);
          c!.close();
        }
      } finally {
        await h.close();
      }
    });
  }

  test('the upgrade response stand-in tells middlewares of a close only until the upgrade is answered', async () => {
    const h = await startEngine();
    try {
      let closes = 0;
      h.engine.use((_req, res, next) => {
        res.on('close', () => closes++);
        next();
      });
      const conn = nextConnection(h.engine);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket'));
      await c.next();
      const socket = await conn;
      const closed = once(socket, 'close');
      c.close();
      await closed;
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(closes, 0);
    } finally {
      await h.close();
    }
  });
});

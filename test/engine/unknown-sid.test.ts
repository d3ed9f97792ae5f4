/**
 * The `unknownSid` extension point: polling requests for a session this engine does not own are
 * handed over raw (body unread, before CORS, middlewares and checks).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { startEngine, req, openPolling } from './helpers.js';

describe('unknownSid option', () => {
  test('takes over a polling request of an unknown sid with its raw body, before middlewares and CORS', async () => {
    const seen: Array<{ sid: string; method: string; body: string; readable: boolean }> = [];
    let middlewareCalls = 0;
    const h = await startEngine({
      cors: { origin: 'https://allowed.example' },
      unknownSid: (r, res, sid) => {
        if (sid === 'declined') return false;
        const chunks: Buffer[] = [];
        const entry = { sid, method: r.method!, body: '', readable: r.readable };
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => {
          entry.body = Buffer.concat(chunks).toString();
          seen.push(entry);
          res.writeHead(299, { 'x-taken': sid });
          res.end('elsewhere');
        });
        return true;
      },
    });
    h.engine.use((_r, _res, next) => {
      middlewareCalls++;
      next();
    });
    try {
      const get = await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=remote1'), undefined, { origin: 'https://other.example' });
      assert.equal(get.status, 299);
      assert.equal(get.text, 'elsewhere');
      assert.equal(get.headers['x-taken'], 'remote1');
      assert.equal(get.headers['access-control-allow-origin'], undefined, 'CORS not applied');
      const post = await req(h.port, 'POST', h.path('EIO=4&transport=polling&sid=remote2'), '4hello\x1e4world', {
        'content-type': 'text/plain;charset=UTF-8',
      });
      assert.equal(post.status, 299);
      assert.deepEqual(seen, [
        { sid: 'remote1', method: 'GET', body: '', readable: true },
        { sid: 'remote2', method: 'POST', body: '4hello\x1e4world', readable: true },
      ]);
      assert.equal(middlewareCalls, 0, 'middlewares not run for taken-over requests');

      // declined: the engine answers as usual
      const declined = await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=declined'));
      assert.equal(declined.status, 400);
      assert.deepEqual(JSON.parse(declined.text), { code: 1, message: 'Session ID unknown' });
      assert.equal(middlewareCalls, 1);
    } finally {
      await h.close();
    }
  });

  test('is not called for local sessions, handshakes or websocket requests', async () => {
    const calls: string[] = [];
    const h = await startEngine({
      unknownSid: (_r, _res, sid) => {
        calls.push(sid);
        return false;
      },
    });
    try {
      const { sid } = await openPolling(h);
      const post = await req(h.port, 'POST', h.path(`EIO=4&transport=polling&sid=${sid}`), '4hi');
      assert.equal(post.status, 200);
      assert.equal(post.text, 'ok');
      const ws = await req(h.port, 'GET', h.path('EIO=4&transport=websocket&sid=nope'));
      assert.equal(ws.status, 400);
      assert.deepEqual(calls, []);
    } finally {
      await h.close();
    }
  });

  test('can be set after construction through the resolved options', async () => {
    const h = await startEngine();
    try {
      const before = await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=later'));
      assert.equal(before.status, 400);
      let got: IncomingMessage | undefined;
      h.engine.opts.unknownSid = (r, res) => {
        got = r;
        res.writeHead(204).end();
        return true;
      };
      const after = await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=later'));
      assert.equal(after.status, 204);
      assert.equal(got?.url, h.path('EIO=4&transport=polling&sid=later'));
    } finally {
      await h.close();
    }
  });
});

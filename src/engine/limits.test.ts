import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectionLimiter } from './limits.js';
import { EngineServer } from './server.js';


/** A fake request from an address. */
function req(address: string): IncomingMessage {
  return { headers: {}, socket: { remoteAddress: address } } as unknown as IncomingMessage;
}

/** A fake session that can be closed. */
function session(request: IncomingMessage): EventEmitter & { request: IncomingMessage } {
  return Object.assign(new EventEmitter(), { request });
}

test('ConnectionLimiter: admits up to maxPerAddress per address, counts until close', () => {
  const limiter = new ConnectionLimiter({ maxPerAddress: 2 });
  const engine = new EventEmitter();
  limiter.attach(engine as never);
  const r1 = req('1.1.1.1');
  const r2 = req('1.1.1.1');
  assert.equal(limiter.admit(r1), true);
  assert.equal(limiter.admit(r2), true);
  assert.equal(limiter.admit(req('1.1.1.1')), false);
  assert.equal(limiter.admit(req('2.2.2.2')), true);
  const s1 = session(r1);
  const s2 = session(r2);
  engine.emit('connection', s1);
  engine.emit('connection', s2);
  assert.equal(limiter.countOf('1.1.1.1'), 2);
  assert.deepEqual(limiter.stats(), { sessions: 2, addresses: 2, pending: 1, refused: 1, maxPerAddress: 2 });
  s1.emit('close');
  assert.equal(limiter.countOf('1.1.1.1'), 1);
  assert.equal(limiter.admit(req('1.1.1.1')), true);
  // a session that was not admitted through allowRequest is counted too
  engine.emit('connection', session(req('3.3.3.3')));
  assert.equal(limiter.countOf('3.3.3.3'), 1);
});

test('ConnectionLimiter: reservations of handshakes that never open expire; refusals by the chained allowRequest give them back', async () => {
  const limiter = new ConnectionLimiter({ maxPerAddress: 1, reservationTimeout: 30 });
  assert.equal(limiter.admit(req('a')), true);
  assert.equal(limiter.admit(req('a')), false);
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(limiter.admit(req('a')), true);

  const chained = new ConnectionLimiter({ maxPerAddress: 1, allowRequest: (r, fn) => fn('nope', r.headers['x-ok'] === '1') });
  const results: Array<[unknown, boolean]> = [];
  chained.allowRequest(req('b'), (err, ok) => results.push([err, ok]));
  assert.equal(chained.countOf('b'), 0);
  const ok = req('b');
  ok.headers['x-ok'] = '1';
  chained.allowRequest(ok, (err, ok2) => results.push([err, ok2]));
  chained.allowRequest(req('b'), (err, ok3) => results.push([err, ok3]));
  assert.deepEqual(results, [['nope', false], ['nope', true], ['Too many connections', false]]);
});

test('ConnectionLimiter on a real engine: the third handshake from one address gets 403, a closed session frees its place', async () => {
  const limiter = new ConnectionLimiter({ maxPerAddress: 2 });
  const engine = new EngineServer({ allowRequest: limiter.allowRequest, pingInterval: 1000, pingTimeout: 1000 });
  limiter.attach(engine);
  const http = createServer();
  engine.attach(http, { path: '/socket.io' });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/socket.io/?EIO=4&transport=polling`;
  try {
    const open = async () => {
      const res = await fetch(base);
      return { status: res.status, body: await res.text() };
    };
    const a = await open();
    const b = await open();
    const c = await open();
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(c.status, 403);
    assert.deepEqual(JSON.parse(c.body), { code: 4, message: 'Too many connections' });
    assert.equal(limiter.stats().sessions, 2);
    assert.equal(limiter.stats().refused, 1);
    const sid = JSON.parse(a.body.slice(1)).sid as string;
    const closed = once(engine.clients.get(sid)!, 'close');
    engine.clients.get(sid)!.close();
    await (await fetch(`${base}&sid=${sid}`)).text(); // the close packet is delivered, the session ends
    await closed;
    assert.equal((await open()).status, 200);
  } finally {
    engine.close();
    http.closeAllConnections();
    http.close();
  }
});

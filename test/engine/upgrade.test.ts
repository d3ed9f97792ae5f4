/**
 * Polling → WebSocket upgrade: probe, noop to the pending GET, `5`, and what happens to
 * requests after it.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, req, openPolling, WsClient, wsUrl, sleep } from './helpers.js';

describe('upgrade', () => {
  test('probe, noop to the pending GET, 5, then WebSocket only', async () => {
    const h = await startEngine();
    try {
      const { sid } = await openPolling(h);
      const socket = h.engine.clients.get(sid)!;
      const events: string[] = [];
      socket.on('upgrading', (t) => events.push('upgrading:' + t.name));
      socket.on('upgrade', (t) => events.push('upgrade:' + t.name));
      const pending = req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + sid));
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket&sid=' + sid));
      await c.opened();
      assert.equal(socket.upgrading, true);
      c.send('2probe');
      assert.equal(await c.next(), '3probe');
      const t0 = Date.now();
      const noop = await pending;
      assert.equal(noop.text, '6');
      assert.ok(Date.now() - t0 <= 250);
      assert.deepEqual(events, ['upgrading:websocket']);
      // sent while upgrading: buffered until the upgrade completes
      socket.send('during');
      await sleep(20);
      assert.equal(c.pending(), 0);
      const upgraded = new Promise((resolve) => socket.once('upgrade', resolve));
      c.send('5');
      await upgraded;
      assert.equal(await c.next(), '4during');
      assert.deepEqual(events, ['upgrading:websocket', 'upgrade:websocket']);
      assert.equal(socket.transport.name, 'websocket');
      assert.equal(socket.upgraded, true);
      assert.equal(socket.upgrading, false);
      const got = new Promise((resolve) => socket.once('message', resolve));
      c.send('4hello');
      assert.equal(await got, 'hello');
      // polling with that sid is now a transport mismatch
      const poll = await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + sid));
      assert.equal(poll.status, 400);
      assert.equal(poll.text, '{"code":3,"message":"Bad request"}');
      const post = await req(h.port, 'POST', h.path('EIO=4&transport=polling&sid=' + sid), '4x');
      assert.equal(post.text, '{"code":3,"message":"Bad request"}');
      // a second WebSocket for the session is closed after its 101
      const c2 = new WsClient(wsUrl(h, 'EIO=4&transport=websocket&sid=' + sid));
      await c2.opened();
      await c2.closed;
      assert.equal(c2.pending(), 0);
      assert.equal(socket.readyState, 'open');
      socket.send('still');
      assert.equal(await c.next(), '4still');
      c.close();
    } finally {
      await h.close();
    }
  });

  test('noop is repeated every 100 ms to pending GETs while upgrading', async () => {
    const h = await startEngine();
    try {
      const { sid } = await openPolling(h);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket&sid=' + sid));
      await c.opened();
      c.send('2probe');
      assert.equal(await c.next(), '3probe');
      for (let i = 0; i < 2; i++) {
        const res = await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + sid));
        assert.equal(res.text, '6');
      }
      c.close();
    } finally {
      await h.close();
    }
  });

  test('a second WebSocket while one is probing is closed', async () => {
    const h = await startEngine();
    try {
      const { sid } = await openPolling(h);
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket&sid=' + sid));
      await c.opened();
      const c2 = new WsClient(wsUrl(h, 'EIO=4&transport=websocket&sid=' + sid));
      await c2.closed;
      c.send('2probe');
      assert.equal(await c.next(), '3probe');
      c.close();
    } finally {
      await h.close();
    }
  });

  test('no 5 within upgradeTimeout: the WebSocket is closed, the session stays on polling', async () => {
    const h = await startEngine({ upgradeTimeout: 150 });
    try {
      const { sid } = await openPolling(h);
      const socket = h.engine.clients.get(sid)!;
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket&sid=' + sid));
      await c.opened();
      c.send('2probe');
      assert.equal(await c.next(), '3probe');
      await c.closed;
      assert.equal(socket.upgrading, false);
      assert.equal(socket.transport.name, 'polling');
      assert.equal(socket.readyState, 'open');
      socket.send('poll');
      assert.equal((await req(h.port, 'GET', h.path('EIO=4&transport=polling&sid=' + sid))).text, '4poll');
      // and a later upgrade still works
      const c2 = new WsClient(wsUrl(h, 'EIO=4&transport=websocket&sid=' + sid));
      await c2.opened();
      c2.send('2probe');
      assert.equal(await c2.next(), '3probe');
      c2.send('5');
      await new Promise((resolve) => socket.once('upgrade', resolve));
      c2.close();
    } finally {
      await h.close();
    }
  });

  test('any other packet on the probing WebSocket closes it; the session stays', async () => {
    const h = await startEngine();
    try {
      const { sid } = await openPolling(h);
      const socket = h.engine.clients.get(sid)!;
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket&sid=' + sid));
      await c.opened();
      c.send('4hello');
      await c.closed;
      assert.equal(socket.readyState, 'open');
      assert.equal(socket.transport.name, 'polling');
      assert.equal(socket.upgrading, false);
      const c2 = new WsClient(wsUrl(h, 'EIO=4&transport=websocket&sid=' + sid));
      await c2.opened();
      c2.send('garbage');
      await c2.closed;
      assert.equal(socket.readyState, 'open');
    } finally {
      await h.close();
    }
  });

  test('closing the session while probing closes the WebSocket', async () => {
    const h = await startEngine();
    try {
      const { sid } = await openPolling(h);
      const socket = h.engine.clients.get(sid)!;
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket&sid=' + sid));
      await c.opened();
      c.send('2probe');
      assert.equal(await c.next(), '3probe');
      socket.close(true);
      await c.closed;
      assert.equal(socket.readyState, 'closed');
    } finally {
      await h.close();
    }
  });

  test('upgrade completing while the session is closing closes it with forced close', async () => {
    const h = await startEngine();
    try {
      const { sid } = await openPolling(h);
      const socket = h.engine.clients.get(sid)!;
      const c = new WsClient(wsUrl(h, 'EIO=4&transport=websocket&sid=' + sid));
      await c.opened();
      c.send('2probe');
      assert.equal(await c.next(), '3probe');
      socket.send('last');
      socket.close();
      assert.equal(socket.readyState, 'closing');
      const reason = new Promise((resolve) => socket.once('close', resolve));
      c.send('5');
      assert.equal(await c.next(), '4last');
      assert.equal(await reason, 'forced close');
      await c.closed;
    } finally {
      await h.close();
    }
  });
});

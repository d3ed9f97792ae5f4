/**
 * The engine's extension points for several parties: `addUnknownSidHandler` (polling requests of sessions
 * this engine does not own) and `addAdmissionCheck` (handshake checks), each returning a remover.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, req, openPolling } from './helpers.js';

const HANDSHAKE = 'EIO=4&transport=polling';

describe('addUnknownSidHandler', () => {
  test('order, removal and fallback to "Session ID unknown"', async () => {
    const calls: string[] = [];
    const h = await startEngine({
      unknownSid: (_r, res, sid) => {
        calls.push(`option:${sid}`);
        if (sid !== 'opt') return false;
        res.writeHead(209).end('opt');
        return true;
      },
    });
    try {
      const removeA = h.engine.addUnknownSidHandler((_r, res, sid) => {
        calls.push(`a:${sid}`);
        if (sid !== 'a' && sid !== 'ab') return false;
        res.writeHead(210).end('a');
        return true;
      });
      h.engine.addUnknownSidHandler((_r, res, sid) => {
        calls.push(`b:${sid}`);
        if (sid !== 'b' && sid !== 'ab') return false;
        res.writeHead(211).end('b');
        return true;
      });
      assert.equal((await req(h.port, 'GET', h.path(`${HANDSHAKE}&sid=opt`))).status, 209);
      assert.equal((await req(h.port, 'GET', h.path(`${HANDSHAKE}&sid=ab`))).status, 210, 'the first handler wins');
      assert.equal((await req(h.port, 'GET', h.path(`${HANDSHAKE}&sid=b`))).status, 211);
      const none = await req(h.port, 'GET', h.path(`${HANDSHAKE}&sid=none`));
      assert.equal(none.status, 400);
      assert.deepEqual(JSON.parse(none.text), { code: 1, message: 'Session ID unknown' });
      assert.deepEqual(calls, ['option:opt', 'option:ab', 'a:ab', 'option:b', 'a:b', 'b:b', 'option:none', 'a:none', 'b:none']);

      calls.length = 0;
      removeA();
      removeA(); // a second call does nothing
      assert.equal((await req(h.port, 'GET', h.path(`${HANDSHAKE}&sid=ab`))).status, 211, 'removed: the second one answers');
      assert.deepEqual(calls, ['option:ab', 'b:ab']);
    } finally {
      await h.close();
    }
  });

  test('handlers are not asked about local sessions', async () => {
    const calls: string[] = [];
    const h = await startEngine();
    h.engine.addUnknownSidHandler((_r, _res, sid) => {
      calls.push(sid);
      return false;
    });
    try {
      const { sid } = await openPolling(h);
      const post = await req(h.port, 'POST', h.path(`${HANDSHAKE}&sid=${sid}`), '4hi');
      assert.equal(post.status, 200);
      assert.deepEqual(calls, []);
    } finally {
      await h.close();
    }
  });

  test('the engine does not write its options', async () => {
    const h = await startEngine({ maxConnectionsPerAddress: 5, allowRequest: (_r, fn) => fn(null, true) });
    const allowRequest = h.engine.opts.allowRequest;
    h.engine.addUnknownSidHandler(() => false);
    h.engine.addAdmissionCheck((_r, fn) => fn(null, true));
    try {
      assert.equal(h.engine.opts.unknownSid, undefined);
      assert.equal(h.engine.opts.allowRequest, allowRequest);
      assert.equal((await req(h.port, 'GET', h.path(HANDSHAKE))).status, 200);
      assert.equal(h.engine.opts.allowRequest, allowRequest);
    } finally {
      await h.close();
    }
  });
});

describe('addAdmissionCheck', () => {
  test('the option first, then the limiter, then added checks in order; the first refusal answers 403 with its message', async () => {
    const calls: string[] = [];
    const h = await startEngine({
      maxConnectionsPerAddress: 1,
      allowRequest: (r, fn) => {
        calls.push('option');
        fn('option says no', r.headers['x-option'] !== 'no');
      },
    });
    try {
      h.engine.addAdmissionCheck((r, fn) => {
        calls.push('first');
        fn('first says no', r.headers['x-first'] !== 'no');
      });
      const removeSecond = h.engine.addAdmissionCheck((r, fn) => {
        calls.push('second');
        setImmediate(() => fn('second says no', r.headers['x-second'] !== 'no')); // asynchronous
      });

      const refusedBySecond = await req(h.port, 'GET', h.path(HANDSHAKE), undefined, { 'x-second': 'no' });
      assert.equal(refusedBySecond.status, 403);
      assert.deepEqual(JSON.parse(refusedBySecond.text), { code: 4, message: 'second says no' });
      assert.deepEqual(calls, ['option', 'first', 'second']);
      assert.equal(h.engine.connectionLimiter!.countOf('127.0.0.1'), 0, 'the limiter gave its place back');

      calls.length = 0;
      const refusedByOption = await req(h.port, 'GET', h.path(HANDSHAKE), undefined, { 'x-option': 'no' });
      assert.equal(refusedByOption.status, 403);
      assert.deepEqual(JSON.parse(refusedByOption.text), { code: 4, message: 'option says no' });
      assert.deepEqual(calls, ['option']);

      calls.length = 0;
      const refusedByFirst = await req(h.port, 'GET', h.path(HANDSHAKE), undefined, { 'x-first': 'no' });
      assert.deepEqual(JSON.parse(refusedByFirst.text), { code: 4, message: 'first says no' });
      assert.deepEqual(calls, ['option', 'first']);

      calls.length = 0;
      removeSecond();
      const accepted = await req(h.port, 'GET', h.path(HANDSHAKE), undefined, { 'x-second': 'no' });
      assert.equal(accepted.status, 200, 'the removed check is not run');
      assert.deepEqual(calls, ['option', 'first']);

      calls.length = 0;
      const limited = await req(h.port, 'GET', h.path(HANDSHAKE));
      assert.equal(limited.status, 403);
      assert.deepEqual(JSON.parse(limited.text), { code: 4, message: 'Too many connections' });
      assert.deepEqual(calls, ['option'], 'the limiter refused before the added checks');
    } finally {
      await h.close();
    }
  });

  test('a check that throws refuses the handshake; checks are not run for requests of open sessions', async () => {
    let runs = 0;
    const h = await startEngine();
    try {
      const remove = h.engine.addAdmissionCheck(() => {
        runs++;
        throw new Error('boom');
      });
      const refused = await req(h.port, 'GET', h.path(HANDSHAKE));
      assert.equal(refused.status, 403);
      remove();
      const { sid } = await openPolling(h);
      h.engine.addAdmissionCheck((_r, fn) => {
        runs++;
        fn(null, false);
      });
      assert.equal((await req(h.port, 'POST', h.path(`${HANDSHAKE}&sid=${sid}`), '4hi')).status, 200);
      assert.equal(runs, 1);
    } finally {
      await h.close();
    }
  });
});

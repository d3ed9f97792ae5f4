/**
 * Engine middlewares (`engine.use`) run through the shared chain runner: in order, a second `next()` ignored,
 * a throw or a rejection before `next` refuses the request (400, code 3).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, req } from './helpers.js';

const HANDSHAKE = 'EIO=4&transport=polling';

test('middlewares run in order; a second next() is ignored', async () => {
  const h = await startEngine();
  const calls: string[] = [];
  h.engine.use((_r, _res, next) => {
    calls.push('a');
    next();
    next();
  });
  h.engine.use((_r, res, next) => {
    calls.push('b');
    res.setHeader('x-b', '1');
    setImmediate(next);
  });
  try {
    const res = await req(h.port, 'GET', h.path(HANDSHAKE));
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-b'], '1');
    assert.deepEqual(calls, ['a', 'b'], 'b ran once');
  } finally {
    await h.close();
  }
});

for (const [name, mw] of [
  ['next(err)', (_r: unknown, _res: unknown, next: (e?: unknown) => void) => next(new Error('no'))],
  ['a throw', () => {
    throw new Error('boom');
  }],
  ['a rejection', async () => {
    throw new Error('later');
  }],
] as const) {
  test(`${name} refuses the request with 400 (code 3) and stops the chain`, async () => {
    const h = await startEngine();
    let after = 0;
    h.engine.use(mw);
    h.engine.use((_r, _res, next) => {
      after++;
      next();
    });
    try {
      const res = await req(h.port, 'GET', h.path(HANDSHAKE));
      assert.equal(res.status, 400);
      assert.equal(JSON.parse(res.text).code, 3);
      assert.equal(after, 0);
      assert.equal(h.engine.clientsCount, 0);
    } finally {
      await h.close();
    }
  });
}

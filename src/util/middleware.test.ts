import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChain, runChainAsync, type Middleware } from './middleware.js';

type M = Middleware<[string[]]>;

test('runs middlewares in order and ends with success', () => {
  const seen: string[] = [];
  let result: unknown = 'pending';
  const a: M = (log, next) => { log.push('a'); next(); };
  const b: M = (log, next) => { log.push('b'); next(); };
  runChain([a, b], [seen], (err) => { result = err; });
  assert.deepEqual(seen, ['a', 'b']);
  assert.equal(result, undefined);
});

test('an empty chain ends at once', () => {
  let done = 0;
  runChain([], [[]], () => done++);
  assert.equal(done, 1);
});

test('next(err) stops the chain with the error', () => {
  const seen: string[] = [];
  const boom = new Error('no');
  let result: unknown;
  runChain<[string[]]>([(l, next) => next(boom), (l, next) => { l.push('b'); next(); }], [seen], (err) => { result = err; });
  assert.equal(result, boom);
  assert.deepEqual(seen, []);
});

test('a second next() is ignored and reported', () => {
  const seen: string[] = [];
  const extra: number[] = [];
  let ends = 0;
  runChain<[string[]]>(
    [(l, next) => { next(); next(); }, (l, next) => { l.push('b'); next(); }],
    [seen],
    () => ends++,
    { onExtraNext: (i) => extra.push(i) },
  );
  assert.deepEqual(seen, ['b']);
  assert.equal(ends, 1);
  assert.deepEqual(extra, [0]);
});

test('a throw before next ends the chain with the error by default', () => {
  const boom = new Error('thrown');
  let result: unknown;
  runChain<[]>([() => { throw boom; }], [], (err) => { result = err; });
  assert.equal(result, boom);
});

test('a falsy throw still fails the chain', () => {
  let result: unknown;
  runChain<[]>([() => { throw 0; }], [], (err) => { result = err; });
  assert.ok(result instanceof Error);
});

test('a throw after next is reported but does not end the chain twice', () => {
  const reports: Array<[unknown, string, boolean]> = [];
  let ends = 0;
  runChain<[]>(
    [(next) => { next(); throw new Error('late'); }],
    [],
    () => ends++,
    { onThrow: (err, how, called) => { reports.push([(err as Error).message, how, called]); return true; } },
  );
  assert.equal(ends, 1);
  assert.deepEqual(reports, [['late', 'throw', true]]);
});

test('onThrow returning false keeps the chain pending (the event is dropped)', () => {
  let ends = 0;
  runChain<[]>([() => { throw new Error('x'); }], [], () => ends++, { onThrow: () => false });
  assert.equal(ends, 0);
});

test('a rejected promise is a failure of kind reject', async () => {
  const hows: string[] = [];
  const result = await new Promise((resolve) =>
    runChain<[]>([async () => { throw new Error('async'); }], [], resolve, {
      onThrow: (_e, how, called) => { hows.push(how); return !called; },
    }),
  );
  assert.equal((result as Error).message, 'async');
  assert.deepEqual(hows, ['reject']);
});

test('a middleware added while the chain runs waits for the next run', () => {
  const fns: M[] = [];
  const seen: string[] = [];
  fns.push((l, next) => { fns.push((l2, n2) => { l2.push('late'); n2(); }); l.push('a'); next(); });
  runChain(fns, [seen], () => {});
  assert.deepEqual(seen, ['a']);
});

test('runChainAsync resolves and rejects', async () => {
  await runChainAsync<[]>([(next) => next()], []);
  await assert.rejects(runChainAsync<[]>([(next) => next(new Error('nope'))], []), /nope/);
});

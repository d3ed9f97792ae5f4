import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnyListeners } from './any-listeners.js';

type L = (event: string, ...args: unknown[]) => void;

test('add appends, prepend puts first, fire calls in order with the arguments and this', () => {
  const any = new AnyListeners<L>();
  const seen: unknown[] = [];
  const self = {};
  any.add(function (this: unknown, ev, ...args) { seen.push(['b', ev, args, this === self]); });
  any.prepend((ev) => seen.push(['a', ev]));
  any.add((ev) => seen.push(['c', ev]));
  assert.equal(any.size, 3);
  any.fire(['chat', 1, 2], self);
  assert.deepEqual(seen, [['a', 'chat'], ['b', 'chat', [1, 2], true], ['c', 'chat']]);
});

test('empty: size 0, fire does nothing, list is empty', () => {
  const any = new AnyListeners<L>();
  assert.equal(any.size, 0);
  any.fire(['x']);
  assert.deepEqual(any.list(), []);
  any.remove(() => {});
  any.remove();
  assert.equal(any.size, 0);
});

test('remove(fn) removes its first occurrence only; remove() removes all', () => {
  const any = new AnyListeners<L>();
  const a: L = () => {};
  const b: L = () => {};
  any.add(a);
  any.add(b);
  any.add(a);
  any.remove(a);
  assert.deepEqual(any.list(), [b, a]);
  any.remove(() => {});
  assert.equal(any.size, 2);
  any.remove();
  assert.equal(any.size, 0);
  any.add(b);
  assert.deepEqual(any.list(), [b]);
});

test('list() is a copy', () => {
  const any = new AnyListeners<L>();
  const a: L = () => {};
  any.add(a);
  const list = any.list();
  list.push(() => {});
  list.length = 0;
  assert.deepEqual(any.list(), [a]);
});

test('a listener removing itself during fire: the others of this event still run, it is gone for the next', () => {
  const any = new AnyListeners<L>();
  const seen: string[] = [];
  const once: L = (ev) => { seen.push('once ' + ev); any.remove(once); };
  any.add(once);
  any.add((ev) => seen.push('always ' + ev));
  any.fire(['1']);
  any.fire(['2']);
  assert.deepEqual(seen, ['once 1', 'always 1', 'always 2']);
});

test('a listener added during fire runs from the next event on', () => {
  const any = new AnyListeners<L>();
  const seen: string[] = [];
  any.add((ev) => {
    seen.push('first ' + ev);
    if (ev === '1') any.add((e) => seen.push('late ' + e));
  });
  any.fire(['1']);
  any.fire(['2']);
  assert.deepEqual(seen, ['first 1', 'first 2', 'late 2']);
});

test('a single listener removing every listener during fire', () => {
  const any = new AnyListeners<L>();
  let calls = 0;
  any.add(() => { calls++; any.remove(); });
  any.fire(['x']);
  any.fire(['y']);
  assert.equal(calls, 1);
});

test('live() is the listeners array itself, as socket.io returns from listenersAny()', () => {
  const any = new AnyListeners<(e: string) => void>();
  assert.deepEqual(any.live(), []);
  const a = (): void => {};
  const b = (): void => {};
  any.add(a);
  const view = any.live();
  assert.equal(view, any.live());
  any.add(b);
  assert.deepEqual(view, [a, b]);
  view.length = 0; // a caller may clear it in place, as with socket.io
  assert.equal(any.size, 0);
});

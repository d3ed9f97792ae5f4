import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Emitter, on } from './emitter.js';

class TestEmitter extends Emitter<any, any, { ready: (n: number) => void }> {
  ready(n: number): void {
    this.emitReserved('ready', n);
  }
}

describe('Emitter', () => {
  it('calls listeners in order with the arguments and `this`', () => {
    const e = new TestEmitter();
    const calls: unknown[] = [];
    e.on('x', function (this: unknown, a: number, b: string) {
      calls.push(['first', a, b, this === e]);
    });
    e.on('x', (a: number) => calls.push(['second', a]));
    e.emit('x', 1, 'b');
    assert.deepEqual(calls, [['first', 1, 'b', true], ['second', 1]]);
  });

  it('once() fires a single time and can be removed through the original listener', () => {
    const e = new TestEmitter();
    let n = 0;
    const fn = () => n++;
    e.once('x', fn);
    e.emit('x');
    e.emit('x');
    assert.equal(n, 1);
    e.once('y', fn);
    e.off('y', fn);
    e.emit('y');
    assert.equal(n, 1);
    assert.equal(e.hasListeners('y'), false);
  });

  it('off() removes one listener, all of an event, or everything', () => {
    const e = new TestEmitter();
    const a = () => {};
    const b = () => {};
    e.on('x', a).on('x', b).on('y', a);
    e.off('x', a);
    assert.deepEqual(e.listeners('x'), [b]);
    e.off('x');
    assert.deepEqual(e.listeners('x'), []);
    assert.equal(e.hasListeners('y'), true);
    e.off();
    assert.equal(e.hasListeners('y'), false);
  });

  it('removes the first occurrence only when a listener is registered twice', () => {
    const e = new TestEmitter();
    let n = 0;
    const fn = () => n++;
    e.on('x', fn).on('x', fn);
    e.removeListener('x', fn);
    e.emit('x');
    assert.equal(n, 1);
  });

  it('iterates over a snapshot: listeners added or removed during an emit take effect next time', () => {
    const e = new TestEmitter();
    const calls: string[] = [];
    const late = () => calls.push('late');
    e.on('x', () => {
      calls.push('a');
      e.on('x', late);
      e.off('x', b);
    });
    const b = () => calls.push('b');
    e.on('x', b);
    e.emit('x');
    assert.deepEqual(calls, ['a', 'b']);
    calls.length = 0;
    e.emit('x');
    assert.deepEqual(calls, ['a', 'late']);
  });

  it('emitReserved fires library events; on() returns an unsubscribe function', () => {
    const e = new TestEmitter();
    const got: number[] = [];
    const off = on(e, 'ready', (n: number) => got.push(n));
    e.ready(1);
    off();
    e.ready(2);
    assert.deepEqual(got, [1]);
  });
});

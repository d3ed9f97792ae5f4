import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, errorMonitor } from 'node:events';
import { compactListeners } from './event-table.js';

describe('compactListeners', () => {
  test('an emitter keeps every listener, their order, once, removal and its error monitor', () => {
    const e = new EventEmitter();
    const log: string[] = [];
    e.on('a', () => log.push('a1'));
    e.on(errorMonitor, () => log.push('monitor'));
    compactListeners(e);
    e.on('a', () => log.push('a2'));
    e.once('b', () => log.push('b'));
    const c = () => log.push('c');
    e.on('c', c);
    e.emit('a');
    e.emit('b');
    e.emit('b');
    e.emit('c');
    e.removeListener('c', c);
    e.emit('c');
    assert.throws(() => e.emit('error', new Error('x')), /x/);
    assert.deepEqual(log, ['a1', 'a2', 'b', 'c', 'monitor']);
    assert.deepEqual(e.eventNames(), ['a', errorMonitor]);
    assert.equal(e.listenerCount('a'), 2);
  });

  test('inherited names are not events', () => {
    const e = new EventEmitter();
    compactListeners(e);
    assert.equal(e.listenerCount('toString'), 0);
    assert.equal(e.listenerCount('__proto__'), 0);
    assert.equal(e.emit('hasOwnProperty'), false);
    e.on('__proto__', () => {});
    assert.equal(e.listenerCount('__proto__'), 1);
    e.removeAllListeners();
    assert.deepEqual(e.eventNames(), []);
  });

  test('compacting twice keeps the table', () => {
    const e = new EventEmitter();
    e.on('x', () => {});
    compactListeners(e);
    const table = (e as unknown as { _events: object })._events;
    compactListeners(e);
    assert.equal((e as unknown as { _events: object })._events, table);
    assert.equal(e.listenerCount('x'), 1);
  });
});

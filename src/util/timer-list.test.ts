import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { TimerList, timerList, type TimerEntry } from './timer-list.js';

class Waiter implements TimerEntry {
  timerPrev: TimerEntry | null = null;
  timerNext: TimerEntry | null = null;
  timerDue = 0;
  timerList: TimerList | null = null;
  fired: number[] = [];
  constructor(
    readonly name: string,
    readonly log: string[],
    readonly then?: () => void,
  ) {}
  onTimer(): void {
    this.fired.push(performance.now());
    this.log.push(this.name);
    this.then?.();
  }
}

/** Resolves once `log` has `n` entries (checked every few ms; no assumption on the machine's speed). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('TimerList', () => {
  test('entries fire in order, each no earlier than its duration after it was added', async () => {
    const log: string[] = [];
    const list = new TimerList(30);
    const a = new Waiter('a', log);
    const b = new Waiter('b', log);
    const startA = performance.now();
    list.add(a);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const startB = performance.now();
    list.add(b);
    assert.equal(list.size, 2);
    await until(() => log.length === 2);
    assert.deepEqual(log, ['a', 'b']);
    assert.ok(a.fired[0]! - startA >= 29, `a fired after ${a.fired[0]! - startA} ms`);
    assert.ok(b.fired[0]! - startB >= 29, `b fired after ${b.fired[0]! - startB} ms`);
    assert.equal(list.size, 0);
    assert.equal(a.timerList, null);
  });

  test('adding again restarts the wait and moves the entry behind the others; removing ends it', async () => {
    const log: string[] = [];
    const list = new TimerList(40);
    const a = new Waiter('a', log);
    const b = new Waiter('b', log);
    const c = new Waiter('c', log);
    list.add(a);
    list.add(b);
    list.add(c);
    list.add(a); // refresh: now last
    list.remove(b);
    list.remove(b); // twice: nothing
    assert.equal(list.size, 2);
    await until(() => log.length === 2);
    assert.deepEqual(log, ['c', 'a']);
  });

  test('an entry moves between lists; a list of another duration does not remove it', async () => {
    const log: string[] = [];
    const short = new TimerList(10);
    const long = new TimerList(60000);
    const a = new Waiter('a', log);
    long.add(a);
    short.remove(a);
    assert.equal(a.timerList, long);
    short.add(a);
    assert.equal(long.size, 0);
    assert.equal(a.timerList, short);
    await until(() => log.length === 1);
    assert.deepEqual(log, ['a']);
  });

  test('an entry may add itself again from onTimer (a heartbeat), and a throwing entry does not stop the others', async () => {
    const log: string[] = [];
    const errors: unknown[] = [];
    const list = new TimerList(5, (err) => errors.push(err));
    let rounds = 0;
    const beat: Waiter = new Waiter('beat', log, () => {
      if (++rounds < 3) list.add(beat);
    });
    const bad = new Waiter('bad', log, () => {
      throw new Error('boom');
    });
    const good = new Waiter('good', log);
    list.add(beat);
    list.add(bad);
    list.add(good);
    await until(() => rounds === 3 && log.includes('good'));
    assert.equal(log.filter((x) => x === 'beat').length, 3);
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as Error).message, 'boom');
    assert.equal(list.size, 0);
  });

  test('an entry added again while the list fires does not delay the entries behind it', async () => {
    const log: string[] = [];
    const list = new TimerList(1000);
    let first = true;
    const a: Waiter = new Waiter('a', log, () => {
      if (first) list.add(a);
      first = false;
    });
    const b = new Waiter('b', log);
    list.add(a);
    await new Promise((resolve) => setTimeout(resolve, 20));
    list.add(b);
    await until(() => log.length === 3);
    assert.deepEqual(log, ['a', 'b', 'a']);
    // b is due about 20 ms after a's first turn, a's second turn a second after it: b does not wait for it
    assert.ok(b.fired[0]! < a.fired[1]! - 400, `b fired ${a.fired[1]! - b.fired[0]!} ms before a's second turn`);
  });

  test('timerList(ms) is one shared list per duration', () => {
    assert.equal(timerList(12345), timerList(12345));
    assert.notEqual(timerList(12345), timerList(12346));
    assert.equal(timerList(12345).ms, 12345);
  });
});

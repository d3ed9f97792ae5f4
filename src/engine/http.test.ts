import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuery } from './http.js';

/** What URLSearchParams makes of a URL's query (last value wins), the reference of parseQuery. */
function reference(url: string): Array<[string, string]> {
  const q = url.indexOf('?');
  const out: Record<string, string> = {};
  if (q !== -1) {
    for (const [k, v] of new URLSearchParams(url.slice(q + 1))) {
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }
  return Object.entries(out);
}

describe('parseQuery', () => {
  test('agrees with URLSearchParams, with and without anything to decode', () => {
    const urls = [
      '/engine.io/',
      '/engine.io/?',
      '/engine.io/?EIO=4&transport=websocket',
      '/engine.io/?EIO=4&transport=polling&t=PZx1a&sid=abc-_DEF123',
      '/x?a=1&a=2&&b&=c&d=',
      '/x?a=b=c&constructor=2',
      '/x?q=%20a+b&r=%E2%9C%93&bad=%zz',
      '/x?&&&',
      '/x?k#frag=1',
    ];
    for (const url of urls) assert.deepEqual(Object.entries(parseQuery(url)), reference(url), url);
  });

  test('__proto__ is an own key, not the prototype', () => {
    for (const url of ['/x?__proto__=1', '/x?__proto__=%31']) {
      const query = parseQuery(url);
      assert.equal(Object.getPrototypeOf(query), Object.prototype);
      assert.equal(Object.getOwnPropertyDescriptor(query, '__proto__')?.value, '1');
    }
  });
});

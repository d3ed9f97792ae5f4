import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeQuery, encodeQuery, parseUri } from './query.js';

describe('query strings', () => {
  it('encodes own keys in order, URI-encoded', () => {
    assert.equal(encodeQuery({ a: 1, 'b c': 'x&y', EIO: 4 }), 'a=1&b%20c=x%26y&EIO=4');
    assert.equal(encodeQuery({}), '');
  });

  it('decodes, keeping "=" inside values', () => {
    assert.deepEqual(decodeQuery('a=1&b%20c=x%26y&t=a=b'), { a: '1', 'b c': 'x&y', t: 'a=b' });
  });

  it('round-trips', () => {
    const q = { token: 'é/?#', n: '42' };
    assert.deepEqual(decodeQuery(encodeQuery(q)), q);
  });
});

describe('parseUri', () => {
  it('splits a URI into the parts the client uses', () => {
    const u = parseUri('wss://host.test:8443/a/b/c?x=1&y=a%20b#frag');
    assert.deepEqual(u, {
      source: 'wss://host.test:8443/a/b/c?x=1&y=a%20b#frag',
      protocol: 'wss',
      host: 'host.test',
      port: '8443',
      path: '/a/b/c',
      query: 'x=1&y=a%20b',
      queryKey: { x: '1', y: 'a%20b' },
    });
  });

  it('reads a bare host as http, strips IPv6 brackets and default ports', () => {
    assert.equal(parseUri('localhost').host, 'localhost');
    assert.equal(parseUri('localhost:3000').port, '3000');
    assert.equal(parseUri('http://[::1]:80/').host, '::1');
    assert.equal(parseUri('http://[::1]:80/').port, '');
  });

  it('rejects overlong and invalid URIs', () => {
    assert.throws(() => parseUri('http://a/' + 'x'.repeat(8000)), /too long/);
    assert.throws(() => parseUri('http://exa mple.com/'));
  });
});

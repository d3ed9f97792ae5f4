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
  it('splits a URI into its parts', () => {
    const u = parseUri('wss://user:pw@host.test:8443/a/b/c?x=1#frag');
    assert.equal(u.protocol, 'wss');
    assert.equal(u.user, 'user');
    assert.equal(u.password, 'pw');
    assert.equal(u.host, 'host.test');
    assert.equal(u.port, '8443');
    assert.equal(u.path, '/a/b/c');
    assert.deepEqual(u.pathNames, ['a', 'b', 'c']);
    assert.equal(u.query, 'x=1');
    assert.equal(u.anchor, 'frag');
  });
});

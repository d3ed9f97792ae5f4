import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { url } from './url.js';

describe('url()', () => {
  it('parses an absolute URL with a namespace and query', () => {
    const u = url('http://localhost:3000/admin?token=a%20b&x=1', '/socket.io');
    assert.equal(u.protocol, 'http');
    assert.equal(u.host, 'localhost');
    assert.equal(u.port, '3000');
    assert.equal(u.path, '/admin');
    assert.equal(u.query, 'token=a%20b&x=1');
    assert.deepEqual(u.queryKey, { token: 'a%20b', x: '1' });
    assert.equal(u.id, 'http://localhost:3000/socket.io');
    assert.equal(u.href, 'http://localhost:3000');
  });

  it('fills default ports so that localhost and localhost:80 share a Manager', () => {
    assert.equal(url('http://localhost').id, url('http://localhost:80').id);
    assert.equal(url('https://example.com').port, '443');
    assert.equal(url('wss://example.com').port, '443');
    assert.equal(url('ws://example.com').port, '80');
  });

  it('defaults the path to / and puts the Engine.IO path in the id', () => {
    const u = url('http://a.b:81', '/custom');
    assert.equal(u.path, '/');
    assert.equal(u.id, 'http://a.b:81/custom');
  });

  it('assumes https without a scheme outside of a browser', () => {
    const u = url('example.com:4000/chat');
    assert.equal(u.protocol, 'https');
    assert.equal(u.port, '4000');
    assert.equal(u.path, '/chat');
  });

  it('resolves relative URLs against a location', () => {
    const loc = { protocol: 'http:', host: 'site.test:8080', port: '8080' };
    const a = url('/nsp', '', loc);
    assert.equal(a.host, 'site.test');
    assert.equal(a.path, '/nsp');
    assert.equal(a.href, 'http://site.test'); // same port as the page: omitted
    const b = url('//other.test/x', '', loc);
    assert.equal(b.protocol, 'http');
    assert.equal(b.host, 'other.test');
    assert.equal(b.href, 'http://other.test:80');
    const c = url(undefined, '', loc);
    assert.equal(c.host, 'site.test');
    assert.equal(c.path, '/');
  });

  it('handles IPv6 hosts', () => {
    const u = url('http://[::1]:3000/nsp');
    assert.equal(u.host, '::1');
    assert.equal(u.port, '3000');
    assert.equal(u.path, '/nsp');
    assert.equal(u.id, 'http://[::1]:3000');
  });

  it('rejects overlong URLs', () => {
    assert.throws(() => url('http://a/' + 'x'.repeat(8000)), /too long/);
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { checkOrigin } from './origin.js';

/** A fake request with the given headers, over TLS or not. */
function req(headers: Record<string, string | undefined>, encrypted = false): IncomingMessage {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) h[k] = v;
  return { headers: h, socket: { encrypted } } as unknown as IncomingMessage;
}

test('no Origin header (Node.js, mobile) is allowed', () => {
  assert.equal(checkOrigin(req({ host: 'example.com' })), true);
  assert.equal(checkOrigin(req({ host: 'example.com', origin: '' })), true);
});

test('own origin is allowed: same host, port and scheme', () => {
  assert.equal(checkOrigin(req({ host: 'example.com', origin: 'http://example.com' })), true);
  assert.equal(checkOrigin(req({ host: 'example.com:8080', origin: 'http://example.com:8080' })), true);
  assert.equal(checkOrigin(req({ host: 'Example.COM', origin: 'http://example.com' })), true);
  assert.equal(checkOrigin(req({ host: 'example.com', origin: 'http://example.com:80' })), true);
  assert.equal(checkOrigin(req({ host: 'example.com', origin: 'https://example.com' }, true)), true);
  assert.equal(checkOrigin(req({ host: '127.0.0.1:3000', origin: 'http://127.0.0.1:3000' })), true);
  assert.equal(checkOrigin(req({ host: '[::1]:3000', origin: 'http://[::1]:3000' })), true);
});

test('another host, port or scheme is refused', () => {
  assert.equal(checkOrigin(req({ host: 'example.com', origin: 'http://evil.com' })), 'origin not allowed');
  assert.equal(checkOrigin(req({ host: 'example.com', origin: 'http://example.com.evil.com' })), 'origin not allowed');
  assert.equal(checkOrigin(req({ host: 'example.com:8080', origin: 'http://example.com:9090' })), 'origin not allowed');
  assert.equal(checkOrigin(req({ host: 'example.com', origin: 'http://sub.example.com' })), 'origin not allowed');
  // an http page may not reach an https server
  assert.equal(checkOrigin(req({ host: 'example.com', origin: 'http://example.com' }, true)), 'origin not allowed');
  // the opaque origin of sandboxed frames and file:// pages
  assert.equal(checkOrigin(req({ host: 'example.com', origin: 'null' })), 'origin not allowed');
  assert.equal(checkOrigin(req({ host: 'example.com', origin: 'garbage' })), 'invalid origin');
  assert.equal(checkOrigin(req({ origin: 'http://example.com' })), 'origin not allowed');
});

test('an https page behind a TLS-terminating proxy keeping the Host header is the own origin', () => {
  assert.equal(checkOrigin(req({ host: 'example.com', origin: 'https://example.com' })), true);
  assert.equal(checkOrigin(req({ host: 'example.com:8443', origin: 'https://example.com:8443' })), true);
  assert.equal(checkOrigin(req({ host: 'example.com:8443', origin: 'https://example.com' })), 'origin not allowed');
});

test('forwarded host and scheme are read only with trustProxy', () => {
  const r = req({ host: 'backend:3000', 'x-forwarded-host': 'app.example.com', 'x-forwarded-proto': 'https', origin: 'https://app.example.com' });
  assert.equal(checkOrigin(r), 'origin not allowed');
  assert.equal(checkOrigin(r, { trustProxy: true }), true);
  const spoofed = req({ host: 'backend:3000', 'x-forwarded-host': 'evil.com', origin: 'http://evil.com' });
  assert.equal(checkOrigin(spoofed), 'origin not allowed');
  assert.equal(checkOrigin(req({ host: 'a', 'x-forwarded-host': 'b.com, c.com', origin: 'http://b.com' }), { trustProxy: true }), true);
});

test('allowedOrigins: exact strings, patterns, arrays and functions', () => {
  const r = (origin: string) => req({ host: 'api.example.com', origin });
  assert.equal(checkOrigin(r('https://app.example.com'), { allowedOrigins: 'https://app.example.com' }), true);
  assert.equal(checkOrigin(r('https://APP.example.com'), { allowedOrigins: 'https://app.example.com' }), true);
  assert.equal(checkOrigin(r('https://other.example.com'), { allowedOrigins: 'https://app.example.com' }), 'origin not allowed');
  assert.equal(checkOrigin(r('https://x.example.com'), { allowedOrigins: /^https:\/\/[a-z]+\.example\.com$/ }), true);
  assert.equal(checkOrigin(r('https://x.evil.com'), { allowedOrigins: /^https:\/\/[a-z]+\.example\.com$/ }), 'origin not allowed');
  const list = ['https://a.com', /^https:\/\/b\.com$/];
  assert.equal(checkOrigin(r('https://a.com'), { allowedOrigins: list }), true);
  assert.equal(checkOrigin(r('https://b.com'), { allowedOrigins: list }), true);
  assert.equal(checkOrigin(r('https://c.com'), { allowedOrigins: list }), 'origin not allowed');
  const seen: string[] = [];
  const fn = (origin: string) => (seen.push(origin), origin.endsWith('.trusted.com'));
  assert.equal(checkOrigin(r('https://x.trusted.com'), { allowedOrigins: fn }), true);
  assert.equal(checkOrigin(r('https://x.other.com'), { allowedOrigins: fn }), 'origin not allowed');
  assert.deepEqual(seen, ['https://x.trusted.com', 'https://x.other.com']);
  // a global RegExp keeps no state between calls
  const g = /a\.com/g;
  assert.equal(checkOrigin(r('https://a.com'), { allowedOrigins: g }), true);
  assert.equal(checkOrigin(r('https://a.com'), { allowedOrigins: g }), true);
});

test("allowedOrigins: '*' (or true) restores the permissive behaviour", () => {
  assert.equal(checkOrigin(req({ host: 'example.com', origin: 'http://evil.com' }), { allowedOrigins: '*' }), true);
  assert.equal(checkOrigin(req({ host: 'example.com', origin: 'null' }), { allowedOrigins: true }), true);
  assert.equal(checkOrigin(req({ host: 'example.com', origin: 'http://evil.com' }), { allowedOrigins: false }), 'origin not allowed');
});

test('origins allowed by the CORS option are allowed', () => {
  const r = req({ host: 'api.example.com', origin: 'https://app.example.com' });
  assert.equal(checkOrigin(r, { cors: { origin: 'https://app.example.com' } }), true);
  assert.equal(checkOrigin(r, { cors: { origin: '*' } }), true);
  assert.equal(checkOrigin(r, { cors: { origin: true } }), true);
  assert.equal(checkOrigin(r, { cors: { origin: [/example\.com$/] } }), true);
  assert.equal(checkOrigin(r, { cors: { origin: ['https://other.com'] } }), 'origin not allowed');
  assert.equal(checkOrigin(r, { cors: { origin: false } }), 'origin not allowed');
  assert.equal(checkOrigin(r, { cors: {} }), 'origin not allowed');
  assert.equal(checkOrigin(r, { cors: false }), 'origin not allowed');
  // a function answering synchronously is honoured; one answering later allows nothing
  assert.equal(checkOrigin(r, { cors: { origin: (o, cb) => cb(null, o === 'https://app.example.com') } }), true);
  assert.equal(checkOrigin(r, { cors: { origin: (_o, cb) => cb(null, false) } }), 'origin not allowed');
  assert.equal(checkOrigin(r, { cors: { origin: (_o, cb) => cb(new Error('no'), true) } }), 'origin not allowed');
  assert.equal(checkOrigin(r, { cors: { origin: (_o, cb) => void setImmediate(() => cb(null, true)) } }), 'origin not allowed');
});

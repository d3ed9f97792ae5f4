/**
 * JSONP polling (`j` query parameter).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startEngine, req } from './helpers.js';

describe('JSONP polling', () => {
  test('GET replies are wrapped as ___eio[<j>]("<payload>");, POST bodies are form-encoded', async () => {
    const h = await startEngine();
    try {
      const open = await req(h.port, 'GET', h.path('EIO=4&transport=polling&j=a1b2'));
      assert.equal(open.status, 200);
      // the reference server keeps the polling content type
      assert.equal(open.headers['content-type'], 'text/plain; charset=UTF-8');
      assert.match(open.text, /^___eio\[12\]\("0\{\\"sid\\":\\"([A-Za-z0-9_-]{20})\\",\\"upgrades\\":\[\\"websocket\\"\],\\"pingInterval\\":25000,\\"pingTimeout\\":20000,\\"maxPayload\\":1000000\}"\);$/);
      const sid = /sid\\":\\"([A-Za-z0-9_-]{20})/.exec(open.text)![1]!;
      const socket = h.engine.clients.get(sid)!;
      const messages: unknown[] = [];
      socket.on('message', (m) => messages.push(m));
      const body = 'd=' + encodeURIComponent('4line1\\nline2\x1e4keep\\\\nthis\x1e4x');
      const post = await req(h.port, 'POST', h.path('EIO=4&transport=polling&j=12&sid=' + sid), body, {
        'Content-Type': 'application/x-www-form-urlencoded',
      });
      assert.equal(post.text, 'ok');
      assert.equal(post.headers['content-type'], 'text/html');
      assert.deepEqual(messages, ['line1\nline2', 'keep\\nthis', 'x']);
      socket.send('a\u2028b\u2029"c"');
      socket.send('d');
      const get = await req(h.port, 'GET', h.path('EIO=4&transport=polling&j=12&sid=' + sid));
      assert.equal(get.text, '___eio[12]("4a\\u2028b\\u2029\\"c\\"\\u001e4d");');
      assert.equal(get.headers['content-length'], String(get.body.length));
      // a body without d is ignored
      const empty = await req(h.port, 'POST', h.path('EIO=4&transport=polling&j=12&sid=' + sid), 'x=1', {
        'Content-Type': 'application/x-www-form-urlencoded',
      });
      assert.equal(empty.text, 'ok');
      assert.equal(socket.readyState, 'open');
    } finally {
      await h.close();
    }
  });

  test('an empty j gives ___eio[]', async () => {
    const h = await startEngine();
    try {
      const open = await req(h.port, 'GET', h.path('EIO=4&transport=polling&j='));
      assert.ok(open.text.startsWith('___eio[]("0{'));
    } finally {
      await h.close();
    }
  });
});

describe('JSONP polling with Engine.IO v3', () => {
  test('length-prefixed payloads inside the wrapper', async () => {
    const h = await startEngine({ allowEIO3: true });
    try {
      const open = await req(h.port, 'GET', h.path('EIO=3&transport=polling&j=0&b64=1'));
      assert.match(open.text, /^___eio\[0\]\("118:0\{\\"sid\\":\\"[A-Za-z0-9_-]{20}\\",.*\}"\);$/);
      const sid = /sid\\":\\"([A-Za-z0-9_-]{20})/.exec(open.text)![1]!;
      const socket = h.engine.clients.get(sid)!;
      const messages: unknown[] = [];
      socket.on('message', (m) => messages.push(m));
      const post = await req(h.port, 'POST', h.path('EIO=3&transport=polling&j=0&b64=1&sid=' + sid), 'd=' + encodeURIComponent('3:4hi10:b4AQIDBA=='), {
        'Content-Type': 'application/x-www-form-urlencoded',
      });
      assert.equal(post.text, 'ok');
      assert.deepEqual(messages, ['hi', Buffer.from([1, 2, 3, 4])]);
      socket.send(Buffer.from([1]));
      socket.send('x');
      const get = await req(h.port, 'GET', h.path('EIO=3&transport=polling&j=0&b64=1&sid=' + sid));
      assert.equal(get.text, '___eio[0]("6:b4AQ==2:4x");');
    } finally {
      await h.close();
    }
  });
});

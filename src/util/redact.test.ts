import { test } from 'node:test';
import assert from 'node:assert/strict';
import { format } from 'node:util';
import {
  installLogRedaction,
  isCredentialName,
  redact,
  redactHeaders,
  redactPacket,
  redactText,
  redactUrl,
  REDACTED,
  type DebugModuleLike,
} from './redact.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiIsImV4cCI6MTcwMDAwMDAwMH0.c2lnbmF0dXJlLXZhbHVl';

test('credential-like names, case-insensitive, in every spelling', () => {
  for (const name of ['token', 'TOKEN', 'access_token', 'accessToken', 'refresh-token', 'jwt', 'Authorization', 'password', 'key',
    'apiKey', 'api_key', 'X-Api-Key', 'cookie', 'Set-Cookie', 'secret', 'client_secret', 'credentials', 'tokens']) {
    assert.equal(isCredentialName(name), true, name);
  }
  for (const name of ['room', 'user', 'monkey', 'keyboard', 'EIO', 'transport', 'sid', 't', 'id', 'name', 'auth']) {
    assert.equal(isCredentialName(name), false, name);
  }
});

test('auth payloads: credentials masked at any depth, the rest kept, the input untouched', () => {
  const auth = { token: 'abc', user: 'bob', nested: { password: 'p', list: [{ access_token: 'x', n: 1 }] }, empty: '' };
  const copy = structuredClone(auth);
  assert.deepEqual(redact(auth), {
    token: REDACTED,
    user: 'bob',
    nested: { password: REDACTED, list: [{ access_token: REDACTED, n: 1 }] },
    empty: '',
  });
  assert.deepEqual(auth, copy);
  assert.deepEqual(redact({ auth: { token: 'abc' } }), { auth: { token: REDACTED } });
  assert.deepEqual(redact({ auth: 'abc' }), { auth: REDACTED });
  // credential-looking values whatever their name
  assert.deepEqual(redact({ t: JWT, h: 'Bearer abc.def', n: 'hello.world' }), { t: REDACTED, h: REDACTED, n: 'hello.world' });
  assert.deepEqual(redact([JWT, 1, null, undefined]), [REDACTED, 1, null, undefined]);
  assert.equal(redact('plain'), 'plain');
  assert.equal(redact(42), 42);
});

test('structures: circular references, binary data, Maps, prototype keys', () => {
  const a: Record<string, unknown> = { token: 'x' };
  a.self = a;
  assert.deepEqual(redact(a), { token: REDACTED, self: '[Circular]' });
  assert.deepEqual(redact({ file: Buffer.from([1, 2, 3]) }), { file: '<binary 3 bytes>' });
  assert.deepEqual(redact(new Map([['token', 'x'], ['a', 'b']])), new Map([['token', REDACTED], ['a', 'b']]));
  const evil = JSON.parse('{"__proto__":{"token":"x"}}');
  const out = redact(evil) as Record<string, unknown>;
  assert.deepEqual(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, { token: REDACTED });
  assert.equal(({} as Record<string, unknown>).token, undefined);
});

test('query parameters: ?token= and friends masked, everything else byte for byte', () => {
  assert.equal(redactUrl('/socket.io/?EIO=4&transport=polling&token=abc'), '/socket.io/?EIO=4&transport=polling&token=' + REDACTED);
  assert.equal(redactUrl('/socket.io/?token=abc&EIO=4'), '/socket.io/?token=' + REDACTED + '&EIO=4');
  assert.equal(redactUrl('http://h/x?Access_Token=a%20b&jwt=y&x=1#frag'), 'http://h/x?Access_Token=' + REDACTED + '&jwt=' + REDACTED + '&x=1#frag');
  assert.equal(redactUrl('/socket.io/?api%5Fkey=secret'), '/socket.io/?api%5Fkey=' + REDACTED);
  assert.equal(redactUrl('/x?t=' + JWT), '/x?t=' + REDACTED);
  assert.equal(redactUrl('/socket.io/?EIO=4&transport=polling&t=PZ1aB2c&sid=abc'), '/socket.io/?EIO=4&transport=polling&t=PZ1aB2c&sid=abc');
  assert.equal(redactUrl('/no/query'), '/no/query');
  assert.equal(redactUrl('token=abc&a=b'), 'token=' + REDACTED + '&a=b');
  assert.equal(redactUrl('/x?flag&password='), '/x?flag&password=' + REDACTED);
  assert.deepEqual(redact({ EIO: '4', token: 'abc' }), { EIO: '4', token: REDACTED });
});

test('headers: authorization and cookies masked, cookie names kept', () => {
  const headers = {
    host: 'example.com',
    authorization: 'Bearer abc',
    cookie: 'io=sid123; session=xyz',
    'set-cookie': ['io=abc; Path=/; HttpOnly'],
    'x-api-key': 'k',
    referer: 'http://example.com/?token=abc',
    'user-agent': 'node',
  };
  assert.deepEqual(redactHeaders(headers), {
    host: 'example.com',
    authorization: REDACTED,
    cookie: `io=${REDACTED}; session=${REDACTED}`,
    'set-cookie': [`io=${REDACTED}; Path=/; HttpOnly`],
    'x-api-key': REDACTED,
    referer: 'http://example.com/?token=' + REDACTED,
    'user-agent': 'node',
  });
});

test('a handshake as a whole: url, query, headers and auth', () => {
  const handshake = {
    headers: { authorization: 'Basic dXNlcjpwYXNz' },
    url: '/socket.io/?EIO=4&token=abc',
    query: { EIO: '4', token: 'abc' },
    auth: { token: 'abc', room: 'r' },
    address: '::1',
  };
  assert.deepEqual(redact(handshake), {
    headers: { authorization: REDACTED },
    url: '/socket.io/?EIO=4&token=' + REDACTED,
    query: { EIO: '4', token: REDACTED },
    auth: { token: REDACTED, room: 'r' },
    address: '::1',
  });
});

test('packets: CONNECT auth and event arguments', () => {
  const connect = { type: 0, nsp: '/', data: { token: 'abc', room: 'r' } };
  assert.deepEqual(redactPacket(connect), { type: 0, nsp: '/', data: { token: REDACTED, room: 'r' } });
  assert.equal(connect.data.token, 'abc');
  const refresh = { type: 2, nsp: '/', id: 3, data: ['$credentials:refresh', { auth: { token: 'abc' } }] };
  assert.deepEqual(redactPacket(refresh).data, ['$credentials:refresh', { auth: { token: REDACTED } }]);
  const plain = { type: 1, nsp: '/' };
  assert.equal(redactPacket(plain), plain);
});

test('raw text: encoded frames, URLs, JWTs and bearer values', () => {
  assert.equal(redactText('40{"token":"abc"}'), `40{"token":"${REDACTED}"}`);
  assert.equal(redactText('40/admin,{"token":"a\\"b","n":1}'), `40/admin,{"token":"${REDACTED}","n":1}`);
  assert.equal(redactText('40{"auth":{"password":123,"user":"bob"}}'), `40{"auth":{"password":"${REDACTED}","user":"bob"}}`);
  assert.equal(redactText('42["$credentials:refresh",{"auth":{"jwt":"x"}}]'), `42["$credentials:refresh",{"auth":{"jwt":"${REDACTED}"}}]`);
  assert.equal(redactText('GET /socket.io/?EIO=4&token=abc&t=1'), `GET /socket.io/?EIO=4&token=${REDACTED}&t=1`);
  assert.equal(redactText('42["msg","' + JWT + '"]'), `42["msg","${REDACTED}"]`);
  assert.equal(redactText('Authorization: Bearer abc.def'), `Authorization: Bearer ${REDACTED}`);
  assert.equal(redactText('42["chat","hello"]'), '42["chat","hello"]');
  assert.equal(redactText(''), '');
});

test('raw text in util.inspect style', () => {
  assert.equal(redactText("{ token: 'abc', room: 'r' }"), `{ token: '${REDACTED}', room: 'r' }`);
  assert.equal(redactText("{ 'x-api-key': 'k', host: 'h:1' }"), `{ 'x-api-key': '${REDACTED}', host: 'h:1' }`);
  assert.equal(redactText('listening on localhost:3000'), 'listening on localhost:3000');
});

test('installLogRedaction: every logger of the debug module masks credentials, whatever the format', async () => {
  const { default: createDebug } = await import('debug');
  installLogRedaction(createDebug as unknown as DebugModuleLike);
  installLogRedaction(createDebug as unknown as DebugModuleLike); // idempotent
  const lines: string[] = [];
  const log = createDebug('socketeer:redact-test');
  log.enabled = true;
  (log as unknown as { useColors: boolean }).useColors = false;
  log.log = (...args: unknown[]) => lines.push(format(...args));
  log('handling %s http request %s', 'GET', '/socket.io/?EIO=4&token=s3cret&t=x');
  log('received %s', '40{"token":"s3cret","room":"a"}');
  log('handshake %j', { auth: { token: 's3cret' }, query: { access_token: 's3cret' } });
  log('packet %o', { type: 0, data: { password: 's3cret' } });
  log('details %O', { headers: { authorization: 'Bearer s3cret', cookie: 'io=s3cret' } });
  log({ jwt: 's3cret' });
  log('extra args', { apiKey: 's3cret' });
  log('inline ' + JWT);
  assert.equal(lines.length, 8);
  for (const line of lines) assert.ok(!line.includes('s3cret') && !line.includes(JWT), line);
  assert.ok(lines[0]!.includes('/socket.io/?EIO=4&token=[REDACTED]&t=x'), lines[0]);
  assert.ok(lines[1]!.includes('"room":"a"'), lines[1]);
  // disabled loggers do no work at all
  const off = createDebug('socketeer:redact-test-off');
  off.enabled = false;
  let called = 0;
  off.log = () => called++;
  off('x %j', { token: 's3cret' });
  assert.equal(called, 0);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { format } from 'node:util';
import createDebug from 'debug';
import { createLogger } from './logger.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';

/** Captures what enabled `debug` loggers write, for the duration of `fn`. */
async function capture(namespaces: string, fn: () => void | Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const previous = createDebug.log;
  const enabled = createDebug.disable();
  createDebug.enable(namespaces);
  createDebug.log = (...args: unknown[]) => lines.push(format(...args));
  try {
    await fn();
  } finally {
    createDebug.log = previous;
    createDebug.disable();
    if (enabled) createDebug.enable(enabled);
  }
  return lines;
}

test('createLogger masks credentials whatever the format', async () => {
  const log = createLogger('socketeer:logger-test');
  assert.equal(log.namespace, 'socketeer:logger-test');
  const lines = await capture('socketeer:logger-test', () => {
    assert.equal(log.enabled, true);
    log('handling %s http request %s', 'GET', '/socket.io/?EIO=4&token=s3cret&t=x');
    log('received %s', '40{"token":"s3cret","room":"a"}');
    log('handshake %j', { auth: { token: 's3cret' }, query: { access_token: 's3cret' } });
    log('packet %o', { type: 0, data: { password: 's3cret' } });
    log('details %O', { headers: { authorization: 'Bearer s3cret', cookie: 'io=s3cret' } });
    log({ jwt: 's3cret' });
    log('extra args', { apiKey: 's3cret' });
    log('inline ' + JWT);
  });
  assert.equal(lines.length, 8);
  for (const line of lines) assert.ok(!line.includes('s3cret') && !line.includes(JWT), line);
  assert.ok(lines[0]!.includes('/socket.io/?EIO=4&token=[REDACTED]&t=x'), lines[0]);
  assert.ok(lines[1]!.includes('"room":"a"'), lines[1]);
});

test('a disabled logger does nothing', async () => {
  const log = createLogger('socketeer:logger-off');
  let touched = false;
  const arg = { get token() { touched = true; return 'x'; } };
  const lines = await capture('other', () => {
    assert.equal(log.enabled, false);
    log('x %j', arg);
  });
  assert.deepEqual(lines, []);
  assert.equal(touched, false);
});

test("the application's own debug loggers are left alone, even with the server loaded", async () => {
  await import('../server/index.js');
  const appLog = createDebug('app:logger-test');
  const lines = await capture('app:logger-test', () => {
    appLog('my token %s %j', 's3cret', { token: 's3cret' });
  });
  assert.equal(lines.length, 1);
  assert.equal((lines[0]!.match(/s3cret/g) ?? []).length, 2, lines[0]);
});

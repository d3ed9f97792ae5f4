import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import * as auth from './index.js';

test('socketeer/auth exports every helper its documentation names', () => {
  for (const name of [
    'authenticate',
    'credentialsOf',
    'reverify',
    'rateLimit',
    'checkOrigin',
    'originAllowRequest',
    'originMiddleware',
    'ConnectionLimiter',
    'redact',
    'redactUrl',
    'redactHeaders',
    'redactPacket',
    'redactText',
    'isCredentialName',
    'installLogRedaction',
    'disconnectWithReason',
    'jwtExpiry',
    'toExpiry',
  ] as const) {
    assert.equal(typeof auth[name], 'function', name);
  }
  assert.equal(auth.REFRESH_IN_PROGRESS, 'refresh in progress');
  assert.equal(auth.REFRESH_RATE_LIMITED, 'too many refreshes');
  assert.equal(auth.PRINCIPAL_CHANGED, 'principal changed');
  const req = { headers: { host: 'a.test', origin: 'https://evil.test' }, socket: {} } as unknown as IncomingMessage;
  assert.equal(auth.checkOrigin(req), 'origin not allowed');
  assert.equal(auth.redactUrl('/socket.io/?token=abc'), `/socket.io/?token=${auth.REDACTED}`);
});

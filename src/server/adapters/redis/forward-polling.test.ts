import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UnknownSidHandler } from '../../../engine/options.js';
import type { MessageHandler, RedisConnection } from './client.js';
import { FORWARDED_HEADER, PollingForwarder } from './forward-polling.js';

/** A connection that is down: nothing is published, subscriptions succeed. */
function fakeConnection(): RedisConnection {
  const conn: Partial<RedisConnection> = {
    library: 'ioredis',
    cluster: false,
    up: false,
    onState: () => () => {},
    publish: async () => 0,
    subscribe: async (_channels: string[], _handler: MessageHandler) => {},
    unsubscribe: async () => {},
  };
  return conn as RedisConnection;
}

test('the forwarder registers through addUnknownSidHandler, leaves the engine options alone, and close() removes it', () => {
  const handlers: UnknownSidHandler[] = [];
  const opts = Object.freeze({ maxHttpBufferSize: 1000 });
  const engine = {
    clients: new Map<string, unknown>(),
    opts,
    addUnknownSidHandler(handler: UnknownSidHandler) {
      handlers.push(handler);
      return () => {
        const i = handlers.indexOf(handler);
        if (i !== -1) handlers.splice(i, 1);
      };
    },
  };
  const forwarder = new PollingForwarder({ engine, httpServer: null }, fakeConnection(), fakeConnection());
  assert.equal(handlers.length, 1);
  // a replayed request is never forwarded again, and with Redis down nothing is taken over
  const req = { headers: { [FORWARDED_HEADER]: '1' } } as unknown as IncomingMessage;
  assert.equal(handlers[0]!(req, {} as ServerResponse, 'sid'), false);
  assert.equal(handlers[0]!({ headers: {} } as IncomingMessage, {} as ServerResponse, 'sid'), false);
  forwarder.close();
  assert.equal(handlers.length, 0);
});

test('an engine without the hook is refused', () => {
  assert.throws(
    () => new PollingForwarder({ engine: { clients: new Map(), opts: {} }, httpServer: null }, fakeConnection(), fakeConnection()),
    TypeError,
  );
});

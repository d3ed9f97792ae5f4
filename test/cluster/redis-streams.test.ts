// The engine acceptance suite on Redis Streams, alone and mixed with @socket.io/redis-streams-adapter.
import { resolve } from 'node:path';
import { RedisServer } from './redis.js';
import { defineEngineSuite } from './engines/suite.js';

defineEngineSuite({
  name: 'redis-streams',
  nodeModule: resolve(import.meta.dirname, 'engines/redis-streams.node.ts'),
  official: true,
  outageBuffered: true,
  async startBus() {
    const server = await RedisServer.start();
    return {
      info: { port: server.port },
      kill: () => server.kill(),
      restart: () => server.restart(),
      stop: () => server.stop(),
    };
  },
});

/**
 * One server process of the chaos scenario (`npm run bench -- chaos`), for one stack:
 * - `socketeer`: our server, Redis adapter, connection state recovery, graceful shutdown on SIGTERM
 *   (`gracefulShutdown`: new handshakes 503, sessions saved, connections closed after their writes, then exit);
 * - `socket.io+redis-adapter`: the official server with `@socket.io/redis-adapter` (no recovery: the adapter does
 *   not support it);
 * - `socket.io+redis-streams-adapter`: the official server with `@socket.io/redis-streams-adapter` and connection
 *   state recovery.
 * The socket.io stacks shut down on SIGTERM as their users do: `io.close()`, then exit.
 *
 * Environment: `CHAOS_STACK`, `CHAOS_REDIS_URL`, `CHAOS_ROLE` (`worker`: serves clients; `publisher`: serves
 * none, broadcasts `tick` 1, 2, … to every client of the cluster when asked over IPC).
 * IPC to the parent: `{ type: 'ready', port }`, `{ type: 'published', last }`, `{ type: 'error', message }`.
 * IPC from the parent: `{ type: 'publish', intervalMs }` (starts broadcasting), `{ type: 'stop' }` (stops, answers
 * `published` with the last number sent).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';

export const STACKS = ['socketeer', 'socket.io+redis-adapter', 'socket.io+redis-streams-adapter'] as const;
export type Stack = (typeof STACKS)[number];

const stack = process.env.CHAOS_STACK as Stack;
const redisUrl = process.env.CHAOS_REDIS_URL!;
const role = process.env.CHAOS_ROLE ?? 'worker';
/** Sessions are kept long enough for any reconnection of the run. */
const recovery = { maxDisconnectionDuration: 60000, skipMiddlewares: true };
/** The same heartbeat for every stack. */
const engineOpts = { pingInterval: 10000, pingTimeout: 5000, transports: ['websocket' as const] };

function send(message: unknown): void {
  process.send?.(message);
}

interface Emitter {
  emit(ev: string, ...args: unknown[]): unknown;
  close(fn?: () => void): unknown;
}

async function main(): Promise<void> {
  const http = createServer();
  const pub = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const sub = pub.duplicate();
  let io: Emitter;
  if (stack === 'socketeer') {
    const { Server } = await import('../../src/server/index.js');
    const { createAdapter } = await import('../../src/server/adapters/redis/index.js');
    io = new Server(http, {
      ...engineOpts,
      adapter: createAdapter(pub, sub, { key: 'chaos' }),
      connectionStateRecovery: recovery,
      // the publisher is never restarted; the workers drain on SIGTERM and exit
      gracefulShutdown: role === 'worker' ? { signals: ['SIGTERM'], timeout: 10000 } : false,
    }) as unknown as Emitter;
  } else {
    const { Server } = await import('socket.io');
    if (stack === 'socket.io+redis-adapter') {
      const { createAdapter } = await import('@socket.io/redis-adapter');
      io = new Server(http, { ...engineOpts, adapter: createAdapter(pub, sub, { key: 'chaos' }) }) as unknown as Emitter;
    } else {
      const { createAdapter } = await import('@socket.io/redis-streams-adapter');
      io = new Server(http, {
        ...engineOpts,
        adapter: createAdapter(pub, { streamName: 'chaos-stream' }),
        connectionStateRecovery: recovery,
      }) as unknown as Emitter;
    }
    process.once('SIGTERM', () => {
      io.close(() => process.exit(0));
      setTimeout(() => process.exit(0), 10000).unref();
    });
  }
  await pub.ping();
  await sub.ping();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  let n = 0;
  let timer: NodeJS.Timeout | undefined;
  process.on('message', (msg: { type: string; intervalMs: number }) => {
    if (msg.type === 'publish') {
      timer = setInterval(() => io.emit('tick', ++n), msg.intervalMs);
    } else if (msg.type === 'stop') {
      clearInterval(timer);
      send({ type: 'published', last: n });
    }
  });
  send({ type: 'ready', port: (http.address() as AddressInfo).port });
}

process.on('uncaughtException', (err) => {
  send({ type: 'error', message: err.stack ?? String(err) });
  process.exit(1);
});
main().catch((err: Error) => {
  send({ type: 'error', message: err.stack ?? String(err) });
  process.exit(1);
});
// the run ended (or was interrupted): nothing outlives it
process.on('disconnect', () => process.exit(0));

/**
 * One server process of the presence scenario (`npm run bench -- presence`), for one stack:
 * - `socketeer`: our server on the Redis Streams adapter with presence: `join` tracks the socket in the room under its
 *   key with the client's timestamp as meta, `leave` untracks it; watchers follow the room (`presence_state`, then
 *   `presence_diff` batched every 50 ms);
 * - `socket.io`: the official server with `@socket.io/redis-adapter`, the way socket.io apps do it: on each join and
 *   leave, `io.in(room).fetchSockets()` over every node, then the member list broadcast to the watchers.
 *
 * Environment: `PRESENCE_STACK`, `PRESENCE_REDIS_URL`. IPC to the parent: `{ type: 'ready', port }`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';

export const PRESENCE_STACKS = ['socketeer', 'socket.io'] as const;
export type PresenceStack = (typeof PRESENCE_STACKS)[number];

const stack = process.env.PRESENCE_STACK as PresenceStack;
const redisUrl = process.env.PRESENCE_REDIS_URL!;
const ROOM = 'room';
const WATCHERS = 'watchers';
const engineOpts = { pingInterval: 10000, pingTimeout: 5000, transports: ['websocket' as const] };

async function main(): Promise<void> {
  const http = createServer();
  if (stack === 'socketeer') {
    const { Server } = await import('../../src/server/index.js');
    const { createAdapter } = await import('../../src/server/adapters/redis-streams/index.js');
    const io = new Server(http, { ...engineOpts, adapter: createAdapter(new Redis(redisUrl)), presence: { diffInterval: 50 } });
    io.on('connection', (socket) => {
      if (socket.handshake.query.watch) io.presence.follow(socket, ROOM);
      socket.on('join', (key: string, t: number) => io.presence.track(socket, ROOM, key, { t }));
      socket.on('leave', () => socket.leave(ROOM));
    });
  } else {
    const { Server } = await import('socket.io');
    const { createAdapter } = await import('@socket.io/redis-adapter');
    const pub = new Redis(redisUrl);
    const io = new Server(http, { ...engineOpts, adapter: createAdapter(pub, pub.duplicate(), { requestsTimeout: 10_000 }) });
    const announce = async (kind: string, key: string, t: number): Promise<void> => {
      try {
        const members = await io.in(ROOM).fetchSockets();
        io.to(WATCHERS).emit('members', { kind, key, t, members: members.map((m) => m.data.key) });
      } catch {
        // a timed-out fetchSockets: the change is never announced (counted as missing)
      }
    };
    io.on('connection', (socket) => {
      if (socket.handshake.query.watch) socket.join(WATCHERS);
      socket.on('join', (key: string, t: number) => {
        socket.data.key = key;
        socket.join(ROOM);
        void announce('join', key, t);
      });
      socket.on('leave', (t: number) => {
        socket.leave(ROOM);
        void announce('leave', String(socket.data.key), t);
      });
    });
  }
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  process.send?.({ type: 'ready', port: (http.address() as AddressInfo).port });
}

main().catch((err) => {
  process.send?.({ type: 'error', message: String(err?.stack ?? err) });
  process.exit(1);
});

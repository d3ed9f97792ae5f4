/**
 * `npm start`: the chat demo on http://127.0.0.1:3000. No other service needed.
 *
 * - `PORT` (default 3000) and `HOST` (default `127.0.0.1`, this machine only: the demo publishes its
 *   passwords, an admin among them; `HOST=0.0.0.0` to let other machines in);
 * - `DATA_DIR` (default `./data`): the folder of the SQLite file (`chat.db`) that keeps users, refresh
 *   sessions, room history and the token secret, so a restart keeps everyone signed in.
 *
 * Environment for a node of the demo on several processes (`npm run start:cluster` sets them): `REDIS_URL`
 * (share the chat over this Redis instead of the data folder), `SECRET` (the token signing secret, the same
 * on every node), `NODE_ID` (the node's name on the dashboard).
 *
 * Limits: `MAX_CONNECTIONS_PER_ADDRESS` (Engine.IO sessions per remote address, default 50) and
 * `EVENTS_PER_SECOND` (chat events a socket may send per second, default 30).
 *
 * A port already in use is said in one line, and the process exits with code 1.
 */
import { resolve } from 'node:path';
import { SEED_USERS } from './auth.js';
import { startChat, type Chat } from './app.js';

const redisUrl = process.env.REDIS_URL || undefined;
const secret = process.env.SECRET ? new TextEncoder().encode(process.env.SECRET) : undefined;
if (redisUrl && !secret) console.warn('REDIS_URL without SECRET: tokens signed by this node are refused by the others');

const positive = (v: string | undefined) => (v && Number(v) > 0 ? Number(v) : undefined);
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST || '127.0.0.1';
const dataDir = redisUrl ? undefined : resolve(process.env.DATA_DIR || 'data');

let chat: Chat;
try {
  chat = await startChat({
    port,
    host,
    redisUrl,
    dataDir,
    secret,
    nodeId: process.env.NODE_ID || undefined,
    maxConnectionsPerAddress: positive(process.env.MAX_CONNECTIONS_PER_ADDRESS),
    eventsPerSecond: positive(process.env.EVENTS_PER_SECOND),
  });
} catch (err) {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') console.error(`Port ${port} on ${host} is already in use: stop the other server or start with PORT=<another port>.`);
  else if (code === 'EADDRNOTAVAIL') console.error(`HOST=${host} is not an address of this machine.`);
  else if (code === 'EACCES') console.error(`Not allowed to listen on port ${port}: pick one above 1023 with PORT=<port>.`);
  else console.error(`The chat did not start: ${(err as Error).message}`);
  process.exit(1);
}
const where = chat.nodeId ? `  [${chat.nodeId}, Redis ${redisUrl}]` : `  [data: ${dataDir}]`;
console.log(`Socketeer chat on ${chat.url}  (dashboard: ${chat.url}/dashboard)${where}`);
if (host === '127.0.0.1' || host === 'localhost') console.log('Listening on this machine only: HOST=0.0.0.0 lets other machines in.');
console.log(`Users: ${SEED_USERS.map((u) => `${u.name} / ${u.password}${u.role === 'admin' ? ' (admin)' : ''}`).join(', ')}`);

const stop = () => {
  chat.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

/**
 * `npm start`: the chat demo on http://localhost:3000 (`PORT` to change it). No other service needed.
 *
 * Environment for a node of the demo on several processes (`npm run start:cluster` sets them): `REDIS_URL`
 * (share the chat over this Redis), `SECRET` (the token signing secret, the same on every node), `NODE_ID`
 * (the node's name on the dashboard).
 *
 * Limits: `MAX_CONNECTIONS_PER_ADDRESS` (Engine.IO sessions per remote address, default 50) and
 * `EVENTS_PER_SECOND` (chat events a socket may send per second, default 30).
 */
import { SEED_USERS } from './auth.js';
import { startChat } from './app.js';

const redisUrl = process.env.REDIS_URL || undefined;
const secret = process.env.SECRET ? new TextEncoder().encode(process.env.SECRET) : undefined;
if (redisUrl && !secret) console.warn('REDIS_URL without SECRET: tokens signed by this node are refused by the others');

const positive = (v: string | undefined) => (v && Number(v) > 0 ? Number(v) : undefined);

const chat = await startChat({
  port: Number(process.env.PORT ?? 3000),
  redisUrl,
  secret,
  nodeId: process.env.NODE_ID || undefined,
  maxConnectionsPerAddress: positive(process.env.MAX_CONNECTIONS_PER_ADDRESS),
  eventsPerSecond: positive(process.env.EVENTS_PER_SECOND),
});
console.log(`Socketeer chat on ${chat.url}  (dashboard: ${chat.url}/dashboard)${chat.nodeId ? `  [${chat.nodeId}, Redis ${redisUrl}]` : ''}`);
console.log(`Users: ${SEED_USERS.map((u) => `${u.name} / ${u.password}${u.role === 'admin' ? ' (admin)' : ''}`).join(', ')}`);

const stop = () => {
  chat.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

/**
 * `npm start`: the chat demo on http://localhost:3000 (`PORT` to change it). No other service needed.
 */
import { SEED_USERS } from './auth.js';
import { startChat } from './app.js';

const chat = await startChat({ port: Number(process.env.PORT ?? 3000) });
console.log(`Socketeer chat on ${chat.url}  (dashboard: ${chat.url}/dashboard)`);
console.log(`Users: ${SEED_USERS.map((u) => `${u.name} / ${u.password}${u.role === 'admin' ? ' (admin)' : ''}`).join(', ')}`);

const stop = () => {
  chat.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

/**
 * A typical socket.io client, written against the installed package (`socketeer/client`,
 * `socketeer/client/auth`): compiled with the server (see server.ts).
 */
import { io, Manager, type Socket } from 'socketeer/client';
import { enableCredentialsRefresh } from 'socketeer/client/auth';
import type { ClientToServerEvents, ServerToClientEvents } from './server.js';

const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io('http://localhost:3000', {
  auth: { token: 'abc' },
  transports: ['websocket', 'polling'],
  reconnectionDelayMax: 10_000,
});

socket.on('connect', () => {
  const transport: string = socket.io.engine.transport.name;
  socket.io.engine.on('upgrade', (t) => console.log('upgraded to', t.name, 'from', transport));
  socket.emit('join', 'lobby', (res) => {
    const members: number = res.members;
    void members;
  });
  socket.emit('say', 'lobby', 'hello');
});
socket.on('connect_error', (err) => {
  console.log(err.message, socket.active);
});
socket.on('message', (from, text) => console.log(from.toUpperCase(), text.length));
socket.on('withAck', (question, callback) => callback(question.length));
socket.on('disconnect', (reason, details) => console.log(reason, details));
socket.io.on('reconnect_attempt', (attempt) => console.log(attempt + 1));

export async function ask(): Promise<number> {
  const res = await socket.emitWithAck('join', 'room');
  // @ts-expect-error the ack's members is a number
  const wrong: string = res.members;
  void wrong;
  return res.members;
}

const manager = new Manager('http://localhost:3000', { autoConnect: false });
const admin = enableCredentialsRefresh(manager.socket('/admin', { auth: (cb) => cb({ token: 'x' }) }));
admin.connect();

/**
 * The application every Socket.IO-style target runs (the official server and ours): the
 * common usage a user would write.
 *
 * - `echo`: `socket.on('echo', (m) => socket.emit('echo', m))`
 * - `join`: joins a room and acknowledges: `socket.on('join', (room, ack) => { socket.join(room); ack(); })`
 * - `broadcast`: `socket.on('broadcast', (m) => io.to('room').emit('tick', m))`
 */

/** The part of a Socket.IO-compatible server socket the application uses. */
export interface AppSocket {
  on(event: string, listener: (...args: any[]) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  join(room: string): unknown;
}

/** The part of a Socket.IO-compatible server the application uses. */
export interface AppServer {
  on(event: 'connection', listener: (socket: AppSocket) => void): unknown;
  to(room: string): { emit(event: string, ...args: unknown[]): unknown };
  emit(event: string, ...args: unknown[]): unknown;
  close(fn?: (err?: Error) => void): unknown;
}

/** Room every fan-out client joins. */
export const ROOM = 'room';

/**
 * Installs the benchmark application on a server.
 * @param io Socket.IO-compatible server
 */
export function installApp(io: AppServer): void {
  io.on('connection', (socket) => {
    socket.on('echo', (m: unknown) => socket.emit('echo', m));
    socket.on('join', (room: string, ack: () => void) => {
      socket.join(room);
      ack();
    });
    socket.on('broadcast', (m: unknown) => io.to(ROOM).emit('tick', m));
  });
}

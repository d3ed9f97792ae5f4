/** Target `socket.io`: the official Socket.IO 4 server with default options, running the shared application. */
import { Server } from 'socket.io';
import { serveTarget } from './harness.js';
import { installApp, type AppServer } from './io-app.js';

void serveTarget((http) => {
  const io = new Server(http);
  installApp(io as unknown as AppServer);
  return { close: () => new Promise<void>((resolve) => io.close(() => resolve())) };
});

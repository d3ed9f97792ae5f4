/**
 * Target `socketeer`: our server with default options, running the shared application.
 * (When the server module cannot be compiled or loaded, the runner reports this target unavailable.)
 */
import { Server } from '../../src/server/index.js';
import { serveTarget } from './harness.js';
import { installApp, type AppServer } from './io-app.js';

void serveTarget((http) => {
  const io = new Server(http) as unknown as AppServer;
  installApp(io);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        io.close(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
});

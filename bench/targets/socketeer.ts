/**
 * Target `socketeer`: our server with default options, running the shared application.
 * Reports itself unavailable when the server module cannot be loaded or constructed.
 */
import { serveTarget } from './harness.js';
import { installApp, type AppServer } from './io-app.js';

void serveTarget(async (http) => {
  const path = '../../src/server/index.js';
  const mod = (await import(path)) as { Server?: new (http: unknown, opts?: unknown) => AppServer };
  if (typeof mod.Server !== 'function') throw new Error('src/server/index.ts does not export Server');
  const io = new mod.Server(http);
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

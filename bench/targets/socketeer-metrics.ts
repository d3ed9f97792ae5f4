/**
 * Target `socketeer-metrics`: the `socketeer` target with `socketeer/metrics` attached (default options, process
 * collectors on, the exposition mounted on `/metrics`), to measure what the metrics cost:
 * `npm run bench -- echo --targets socketeer,socketeer-metrics`.
 */
import { Server } from '../../src/server/index.js';
import { createMetrics } from '../../src/metrics/index.js';
import { serveTarget } from './harness.js';
import { installApp, type AppServer } from './io-app.js';

void serveTarget(async (http) => {
  const io = new Server(http);
  const metrics = createMetrics(io).mount('/metrics');
  installApp(io as unknown as AppServer);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        metrics.close();
        const timer = setTimeout(resolve, 1000);
        io.close(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
});

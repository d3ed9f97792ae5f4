/**
 * Logging through the `debug` package (`socketeer:client…` namespaces), with credentials masked (see
 * `util/logger.ts`). The browser bundle replaces this module with `debug-browser.ts`, which logs nothing;
 * logging calls are marked `/* @__PURE__ *\/` so that the minifier drops them, messages included.
 *
 * Owns the client's logger factory (Node.js). Must never import server or server-engine code (`src/server/`,
 * `src/engine/`): the client pulls only `src/client/`, `src/protocol/` and `src/util/`.
 */
import { createLogger } from '../util/logger.js';

export default createLogger;

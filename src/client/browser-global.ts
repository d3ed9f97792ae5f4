/**
 * Entry of the browser script bundle (`socketeer.min.js`): exposes `io` as a global, with
 * `io.Manager`, `io.Socket`, `io.connect` and `io.protocol`, as the reference script does.
 *
 * Owns the entry of the browser script. Must never import server or server-engine code (`src/server/`,
 * `src/engine/`): the client pulls only `src/client/`, `src/protocol/` and `src/util/`.
 */
import { io, protocol } from './index.js';

Object.assign(io, { protocol });
(globalThis as unknown as { io: typeof io }).io = io;

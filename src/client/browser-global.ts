/**
 * Entry of the browser script bundle (`socketeer.min.js`): exposes `io` as a global, with
 * `io.Manager`, `io.Socket`, `io.connect` and `io.protocol`, as the reference script does.
 */
import { io, protocol } from './index.js';

Object.assign(io, { protocol });
(globalThis as unknown as { io: typeof io }).io = io;

/** Target `ws`: a plain `ws` server doing the same work as the Socket.IO targets (see ws-app.ts). */
import { serveTarget } from './harness.js';
import { attachWsApp } from './ws-app.js';

void serveTarget((http) => attachWsApp(http, false));

/** Target `ws-batched`: the plain `ws` server with each socket's writes corked per tick (see ws-app.ts). */
import { serveTarget } from './harness.js';
import { attachWsApp } from './ws-app.js';

void serveTarget((http) => attachWsApp(http, true));

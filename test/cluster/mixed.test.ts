// Mixed cluster: one socket.io server with @socket.io/redis-adapter and two Socketeer servers on one Redis.
import { defineClusterSuite } from './suite.js';

defineClusterSuite({ kinds: ['socketio', 'socketeer', 'socketeer'], emitter: true });

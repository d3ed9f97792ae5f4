// Sharded adapter on a Redis Cluster: one socket.io server with the reference sharded adapter and two Socketeer servers.
import { defineClusterSuite } from './suite.js';

defineClusterSuite({ kinds: ['socketio', 'socketeer', 'socketeer'], sharded: true, library: 'redis' });

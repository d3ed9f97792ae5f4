// Sharded adapter (SPUBLISH/SSUBSCRIBE, per-room channels) on a 3-master Redis Cluster: three Socketeer servers.
import { defineClusterSuite } from './suite.js';

defineClusterSuite({ kinds: ['socketeer', 'socketeer', 'socketeer'], sharded: true, library: 'redis' });

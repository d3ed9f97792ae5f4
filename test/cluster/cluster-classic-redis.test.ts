// The classic adapter on a 3-master Redis Cluster through the `redis` v4 cluster client: three Socketeer servers.
import { defineClusterSuite } from './suite.js';

defineClusterSuite({ kinds: ['socketeer', 'socketeer', 'socketeer'], cluster: true, library: 'redis' });

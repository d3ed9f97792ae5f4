// The classic adapter on a 3-master Redis Cluster through ioredis' Cluster client: three Socketeer servers.
import { defineClusterSuite } from './suite.js';

defineClusterSuite({ kinds: ['socketeer', 'socketeer', 'socketeer'], cluster: true, library: 'ioredis' });

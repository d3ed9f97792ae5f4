// Three Socketeer servers on one Redis through the `redis` v4 client.
import { defineClusterSuite } from './suite.js';

defineClusterSuite({ kinds: ['socketeer', 'socketeer', 'socketeer'], library: 'redis' });

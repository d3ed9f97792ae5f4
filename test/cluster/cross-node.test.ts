// Three Socketeer servers in separate processes on one Redis (classic adapter, ioredis).
import { defineClusterSuite } from './suite.js';

defineClusterSuite({ kinds: ['socketeer', 'socketeer', 'socketeer'], emitter: true });

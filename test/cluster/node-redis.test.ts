// Three Socketeer servers on one Redis through the `redis` v4 client, answering on the requester's own channel.
import { defineClusterSuite } from './suite.js';

defineClusterSuite({ kinds: ['socketeer', 'socketeer', 'socketeer'], library: 'redis', specificResponses: true });

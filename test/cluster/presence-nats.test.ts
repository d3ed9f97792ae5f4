// Presence on the NATS engine: 3 node processes (and an official one) on a private nats-server.
import { definePresenceSuite } from './engines/presence-suite.js';
import { natsFixture } from './engines/nats.js';

definePresenceSuite(natsFixture);

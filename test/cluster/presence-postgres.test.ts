// Presence on the PostgreSQL engine: 3 node processes (and an official one) on a private database.
import { definePresenceSuite } from './engines/presence-suite.js';
import { postgresFixture } from './engines/postgres.js';

definePresenceSuite(postgresFixture);

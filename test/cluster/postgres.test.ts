// The engine acceptance suite on PostgreSQL, alone and mixed with @socket.io/postgres-adapter.
import { defineEngineSuite } from './engines/suite.js';
import { postgresFixture } from './engines/postgres.js';

defineEngineSuite(postgresFixture);

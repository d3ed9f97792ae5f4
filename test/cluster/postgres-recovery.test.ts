// The engine acceptance suite on PostgreSQL with connection state recovery on (sessions and recoverable
// broadcasts kept in PostgreSQL): a client recovers on another node, including after its node is killed and more
// than 10 s later. Our nodes only: @socket.io/postgres-adapter does not support recovery.
import { defineEngineSuite } from './engines/suite.js';
import { postgresFixture } from './engines/postgres.js';

defineEngineSuite({ ...postgresFixture, name: 'postgres (recovery)', official: false, recovery: true });

// The engine acceptance suite on NATS (JetStream on). There is no official socket.io NATS adapter to mix with.
import { defineEngineSuite } from './engines/suite.js';
import { natsFixture } from './engines/nats.js';

defineEngineSuite(natsFixture);

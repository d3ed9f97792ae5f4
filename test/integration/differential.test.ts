/**
 * Wire transcripts against the reference server: the same raw WebSocket conversation is held with
 * `socket.io` and with Socketeer, and what each server sends back must be identical (ids and offsets masked).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import WebSocket from 'ws';
import { Server as Reference } from 'socket.io';
import { Server as Ours } from '../../src/server/index.js';

interface Scenario {
  setup: (io: any) => void;
  steps: string[];
  opts?: Record<string, unknown>;
}

const scenarios: Record<string, Scenario> = {
  'connect': { setup: () => {}, steps: ['40'] },
  'middleware error without data': { setup: (io) => io.use((_s: any, n: any) => n(new Error('x'))), steps: ['40'] },
  'middleware error with null data': {
    setup: (io) => io.use((_s: any, n: any) => n(Object.assign(new Error('x'), { data: null }))),
    steps: ['40'],
  },
  'middleware error with falsy data': {
    setup: (io) => io.use((_s: any, n: any) => n(Object.assign(new Error('x'), { data: 0 }))),
    steps: ['40'],
  },
  'invalid namespace, twice': { setup: () => {}, steps: ['40/nope,', '40/nope,{"a":1}'] },
  'emit from a middleware goes before the CONNECT reply': {
    setup: (io) =>
      io.use((s: any, n: any) => {
        s.emit('early', 1);
        n();
      }),
    steps: ['40'],
  },
  'undefined arguments': {
    setup: (io) => io.on('connection', (s: any) => s.emit('x', undefined, null, { a: undefined, b: 1 })),
    steps: ['40'],
  },
  'empty ack': { setup: (io) => io.on('connection', (s: any) => s.on('q', (cb: any) => cb())), steps: ['40', '421["q"]'] },
  'binary ack': {
    setup: (io) => io.on('connection', (s: any) => s.on('q', (cb: any) => cb(Buffer.from([1]), { b: [Buffer.from([2])] }))),
    steps: ['40', '421["q"]'],
  },
  'nested namespace name': { setup: (io) => io.of('/a/b'), steps: ['40/a/b,'] },
  'leave and rejoin a namespace': {
    setup: (io) => io.of('/a'),
    steps: ['40', '40/a,', '41/a,', '40/a,', '42/a,["x"]'],
  },
  'unknown ack id': { setup: () => {}, steps: ['40', '4399[]', '42["x"]'] },
  'emit then disconnect in the connection handler': {
    setup: (io) =>
      io.on('connection', (s: any) => {
        s.emit('a');
        s.disconnect();
      }),
    steps: ['40'],
  },
  'server ack ids, then a duplicate CONNECT': {
    setup: (io) =>
      io.on('connection', (s: any) => {
        s.emit('a', () => {});
        s.emit('b', () => {});
      }),
    steps: ['40', '40'],
  },
  'dynamic namespace': { setup: (io) => io.of(/^\/dyn-\d+$/), steps: ['40/dyn-1,', '40/dyn-x,'] },
  'leaving the main namespace keeps the others': {
    setup: (io) => io.of('/a'),
    steps: ['40', '40/a,', '41', '42/a,["still"]', '42["x"]'],
  },
  'CONNECT_ERROR from the client': { setup: () => {}, steps: ['40', '44{"message":"x"}'] },
  'recovery: pid and offsets': {
    setup: (io) => io.on('connection', (s: any) => s.emit('n', 1)),
    steps: ['40'],
    opts: { connectionStateRecovery: {} },
  },
  'binary event from the client, acked': {
    setup: (io) => io.on('connection', (s: any) => s.on('up', (b: Buffer, cb: any) => cb(b.length, [...b]))),
    steps: ['40', '451-1["up",{"_placeholder":true,"num":0}]', '\u0000binary:0a0b0c'],
  },
  'namespace refused, then retried and accepted': {
    setup: (io) => {
      let n = 0;
      io.of('/a').use((_s: any, next: any) => (n++ === 0 ? next(new Error('first')) : next()));
    },
    steps: ['40/a,', '40/a,'],
  },
  'packet middleware error: nothing on the wire': {
    setup: (io) =>
      io.on('connection', (s: any) => {
        s.use((_e: any, next: any) => next(new Error('no')));
        s.on('x', (cb: any) => cb('never'));
      }),
    steps: ['40', '421["x"]', '42["y"]'],
  },
  'disconnect(true) with two namespaces': {
    setup: (io) => {
      io.of('/a');
      io.on('connection', (s: any) => s.on('bye', () => s.disconnect(true)));
    },
    steps: ['40', '40/a,', '42["bye"]'],
  },
  'numeric event name and reserved names from the client': {
    setup: (io) => io.on('connection', (s: any) => s.on('1', (cb: any) => cb('one'))),
    steps: ['40', '421[1]', '42["connect"]'],
  },
  'broadcast with rooms': {
    setup: (io) =>
      io.on('connection', (s: any) => {
        s.join('r');
        s.on('go', () => {
          io.to('r').emit('one');
          io.except('r').emit('none');
          s.broadcast.emit('none');
          io.in(['r', s.id]).emit('two', Buffer.from([3]));
        });
      }),
    steps: ['40', '42["go"]'],
  },
};

const mask = (msg: string): string =>
  msg
    .replace(/"(sid|pid)":"[^"]+"/g, '"$1":"<id>"')
    .replace(/,"[\w.-]{6,12}"\]$/, ',"<offset>"]')
    .replace(/^0\{.*/, '0<open>');

/** Holds the conversation and returns what the server sent, step by step. */
async function transcript(ServerClass: any, scenario: Scenario): Promise<string[]> {
  const http = createServer();
  const io = new ServerClass(http, { pingInterval: 10000, ...scenario.opts });
  scenario.setup(io);
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const port = (http.address() as AddressInfo).port;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
  const out: string[] = [];
  let last = Date.now();
  ws.on('message', (d, binary) => {
    out.push(binary ? 'binary:' + (d as Buffer).toString('hex') : mask(d.toString()));
    last = Date.now();
  });
  let closed = false;
  ws.on('close', () => {
    closed = true;
    out.push('<closed>');
  });
  const settle = async () => {
    // quiet for 150 ms (or 3 s at most): long enough for a server on a busy machine to answer a step
    const start = Date.now();
    last = Date.now();
    while (Date.now() - last < 150 && Date.now() - start < 3000) await new Promise((r) => setTimeout(r, 5));
  };
  await once(ws, 'open');
  await settle();
  for (const step of scenario.steps) {
    if (closed) break;
    // '\0binary:<hex>' sends a binary frame
    ws.send(step.startsWith('\u0000binary:') ? Buffer.from(step.slice(8), 'hex') : step);
    out.push('> ' + step);
    await settle();
  }
  const result = out.slice();
  ws.terminate();
  await io.close();
  return result;
}

describe('wire transcripts match the reference server', { concurrency: 4 }, () => {
  for (const [name, scenario] of Object.entries(scenarios)) {
    it(name, async () => {
      const [reference, ours] = await Promise.all([transcript(Reference, scenario), transcript(Ours, scenario)]);
      assert.ok(reference.length > 1);
      assert.deepEqual(ours, reference);
    });
  }
});

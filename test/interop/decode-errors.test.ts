/**
 * Decode errors against the reference: the same malformed packets are sent by a raw WebSocket peer to the official
 * `socket.io` server and to Socketeer; the socket's `error` listener must receive the same message, nothing is
 * written back, and the connection is closed. The only deliberate difference is the `disconnect` reason:
 * Socketeer says `parse error` where socket.io says `forced close`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import WebSocket from 'ws';
import { Server as Reference } from 'socket.io';
import { Server as Ours } from '../../src/server/index.js';

/** Frames sent after the CONNECT; `\0binary:<hex>` is a binary frame. */
const cases: Record<string, string[]> = {
  'unknown packet type (letter)': ['4abc'],
  'unknown packet type (digit)': ['49["x"]'],
  'binary event without attachment count': ['45["x"]'],
  'binary event with zero attachments': ['450-["x"]'],
  'binary event with a non-numeric count': ['45a-["x"]'],
  'too many attachments': ['4511-["x"]'],
  'event that is not an array': ['42{}'],
  'event with an empty array': ['42[]'],
  'unterminated JSON': ['42["x"'],
  'reserved event name': ['42["disconnect"]'],
  'garbage after the ack id': ['42abc["x"]'],
  'ack that is not an array': ['431{}'],
  'DISCONNECT with a payload': ['41{}'],
  'CONNECT with an array': ['40[]'],
  'text while attachments are pending': ['451-["x",{"_placeholder":true,"num":0}]', '42["y"]'],
  'binary without a header': ['\u0000binary:0102'],
  'placeholder out of range': ['451-["x",{"_placeholder":true,"num":5}]', '\u0000binary:01'],
};

interface Observed {
  errors: string[];
  reason: string | undefined;
  /** What the server wrote after the malformed frames (pings aside). */
  after: string[];
  closed: boolean;
}

async function observe(ServerClass: any, frames: string[]): Promise<Observed> {
  const http = createServer();
  const io = new ServerClass(http, { pingInterval: 10000 });
  const errors: string[] = [];
  let reason: string | undefined;
  const disconnected = new Promise<void>((resolve) => {
    io.on('connection', (socket: any) => {
      socket.on('error', (e: Error) => errors.push(e.message));
      socket.on('disconnect', (r: string) => {
        reason = r;
        resolve();
      });
    });
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const port = (http.address() as AddressInfo).port;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
  const after: string[] = [];
  let sent = false;
  let connected!: () => void;
  const connectedP = new Promise<void>((r) => (connected = r));
  ws.on('message', (d, binary) => {
    const msg = binary ? 'binary:' + (d as Buffer).toString('hex') : d.toString();
    if (msg.startsWith('40')) connected();
    else if (sent && msg !== '2') after.push(msg);
  });
  const closedP = once(ws, 'close');
  await once(ws, 'open');
  ws.send('40');
  await connectedP;
  for (const f of frames) ws.send(f.startsWith('\u0000binary:') ? Buffer.from(f.slice(8), 'hex') : f);
  sent = true;
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    Promise.all([closedP, disconnected]).then(() => true),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 3000))),
  ]);
  clearTimeout(timer);
  ws.terminate();
  await io.close();
  return { errors, reason, after, closed };
}

describe('decode errors match the reference server', { concurrency: 4 }, () => {
  for (const [name, frames] of Object.entries(cases)) {
    it(name, async () => {
      const [reference, ours] = await Promise.all([observe(Reference, frames), observe(Ours, frames)]);
      assert.equal(reference.closed, true, 'the reference closes the connection');
      assert.equal(reference.errors.length, 1, 'the reference reports one error');
      assert.deepEqual(ours.errors, reference.errors);
      assert.deepEqual(ours.after, reference.after);
      assert.equal(ours.closed, true);
      assert.equal(reference.reason, 'forced close');
      assert.equal(ours.reason, 'parse error');
    });
  }
});

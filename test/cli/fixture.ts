/**
 * The server the CLI tests connect to, on 127.0.0.1 and a free port: Socketeer's or the official socket.io's,
 * with the same behaviour: a middleware that records the handshake (auth, headers, query) and refuses the token
 * `bad` with `err.data`; on connection a `welcome` event; `sum` acknowledged with the sum; `kick` disconnects the
 * socket; every event received recorded.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as OfficialServer } from 'socket.io';
import { Server } from '../../src/server/index.js';

export interface SeenHandshake {
  auth: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
  namespace: string;
}

export interface TestServer {
  url: string;
  handshakes: SeenHandshake[];
  events: Array<{ event: string; args: unknown[] }>;
  /** emits to every connected socket of the main namespace */
  broadcast(event: string, ...args: unknown[]): void;
  close(): Promise<void>;
}

/** The calls the fixture makes on a server socket (what Socketeer's and socket.io's sockets share). */
interface FixtureSocket {
  id: string;
  nsp: { name: string };
  handshake: { auth: Record<string, unknown>; headers: Record<string, string | string[] | undefined>; query: Record<string, unknown> };
  emit(event: string, ...args: unknown[]): unknown;
  on(event: string, listener: (...args: never[]) => void): unknown;
  onAny(listener: (event: string, ...args: unknown[]) => void): unknown;
  disconnect(close?: boolean): unknown;
}

function behave(socket: FixtureSocket, server: Omit<TestServer, 'url' | 'close' | 'broadcast'>): void {
  socket.emit('welcome', { id: socket.id });
  socket.onAny((event, ...args) => server.events.push({ event, args: args.filter((a) => typeof a !== 'function') }));
  socket.on('sum', (a: number, b: number, cb: (n: number) => void) => cb(a + b));
  socket.on('kick', () => socket.disconnect(true));
}

function admit(socket: FixtureSocket, next: (err?: Error) => void, handshakes: SeenHandshake[]): void {
  const { auth, headers, query } = socket.handshake;
  handshakes.push({ auth, headers, query, namespace: socket.nsp.name });
  if (auth['token'] === 'bad') {
    const err = new Error('not authorized') as Error & { data: unknown };
    err.data = { code: 'E_TOKEN', retry: false };
    return next(err);
  }
  next();
}

function listen(http: HttpServer): Promise<string> {
  return new Promise((resolve) => http.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(http.address() as AddressInfo).port}`)));
}

/** Starts the fixture on Socketeer's server (`official`: on socket.io's). */
export async function startTestServer(official = false): Promise<TestServer> {
  const http = createServer();
  const state = { handshakes: [] as SeenHandshake[], events: [] as Array<{ event: string; args: unknown[] }> };
  let broadcast: (event: string, ...args: unknown[]) => void;
  let closeIo: () => Promise<void>;
  if (official) {
    const io = new OfficialServer(http);
    for (const nsp of [io.of('/'), io.of('/admin')]) {
      nsp.use((socket, next) => admit(socket as unknown as FixtureSocket, next, state.handshakes));
      nsp.on('connection', (socket) => behave(socket as unknown as FixtureSocket, state));
    }
    broadcast = (event, ...args) => void io.emit(event, ...args);
    closeIo = () => new Promise((resolve) => io.close(() => resolve()));
  } else {
    const io = new Server(http);
    for (const nsp of [io.of('/'), io.of('/admin')]) {
      nsp.use((socket, next) => admit(socket as unknown as FixtureSocket, next, state.handshakes));
      nsp.on('connection', (socket) => behave(socket as unknown as FixtureSocket, state));
    }
    broadcast = (event, ...args) => void io.emit(event, ...args);
    closeIo = () => new Promise((resolve) => io.close(() => resolve()));
  }
  const url = await listen(http);
  return { url, ...state, broadcast, close: closeIo };
}

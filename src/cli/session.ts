/**
 * The client side of `socketeer connect`: builds the Socketeer client's options from the command line (auth,
 * `extraHeaders`, cookies, query, transport, path), opens the socket, and reports what happens on it — the
 * Engine.IO handshake (the `open` packet), upgrades, `connect` / `connect_error`, incoming events, disconnects —
 * to a {@link Printer} and to the listeners of the scripted run or the prompt. Owns emitting with or without an
 * acknowledgement and closing cleanly (the buffered packets written before the session ends).
 *
 * Part of the CLI (`src/cli/`), the top layer: nothing imports it. Uses only the client's public entry
 * (`src/client/index.ts`); must never import `src/server/` or `src/engine/`.
 */
import { io, type EngineSocket, type HandshakeData, type ManagerOptions, type Socket, type SocketOptions } from '../client/index.js';
import type { ConnectCommand } from './args.js';
import type { Printer } from './output.js';

/** What a session tells its driver (the scripted run, the prompt). */
export interface SessionListener {
  connect?(): void;
  connectError?(err: Error & { data?: unknown }, final: boolean): void;
  disconnect?(reason: string, final: boolean): void;
  event?(event: string, args: unknown[]): void;
}

/** The outcome of an emit with acknowledgement. */
export type AckOutcome = { ok: true; args: unknown[] } | { ok: false; error: string };

/**
 * The client options a `connect` command line gives (exported for the tests and the docs' table).
 * @example
 * ```ts
 * clientOptions(parseArgs(['connect', 'localhost:3000', '--token', 't', '--cookie', 'a=1']) as ConnectCommand);
 * // { forceNew: true, autoConnect: false, reconnection: false, transports: ['polling', 'websocket'],
 * //   auth: { token: 't' }, extraHeaders: { Cookie: 'a=1' } }
 * ```
 */
export function clientOptions(cmd: ConnectCommand): Partial<ManagerOptions & SocketOptions> {
  const extraHeaders: Record<string, string> = { ...cmd.headers };
  if (cmd.cookies.length) {
    const existing = Object.keys(extraHeaders).find((k) => k.toLowerCase() === 'cookie');
    const value = cmd.cookies.join('; ');
    if (existing) extraHeaders[existing] = `${extraHeaders[existing]}; ${value}`;
    else extraHeaders['Cookie'] = value;
  }
  return {
    forceNew: true,
    autoConnect: false,
    reconnection: cmd.reconnect,
    transports: cmd.transport ? [cmd.transport] : ['polling', 'websocket'],
    ...(cmd.auth ? { auth: cmd.auth } : {}),
    ...(Object.keys(extraHeaders).length ? { extraHeaders } : {}),
    ...(Object.keys(cmd.query).length ? { query: cmd.query } : {}),
    ...(cmd.path ? { path: cmd.path } : {}),
    ...(cmd.timeout ? { timeout: cmd.timeout } : {}),
  };
}

/**
 * The URL to open: the command's, with `--namespace` as its path.
 * @example
 * ```ts
 * targetUrl(parseArgs(['connect', 'localhost:3000', '-n', 'admin']) as ConnectCommand); // 'http://localhost:3000/admin'
 * ```
 */
export function targetUrl(cmd: ConnectCommand): string {
  const url = new URL(cmd.url);
  if (cmd.namespace) url.pathname = cmd.namespace;
  return url.toString();
}

/**
 * One `socketeer connect` client: the socket and the printing of everything that happens on it.
 * @example
 * ```ts
 * const session = new CliSession(parseArgs(['connect', 'http://localhost:3000']) as ConnectCommand, new Printer({ json: false }));
 * session.listen({ connect: () => session.emit('hello', ['world']) });
 * session.start();
 * ```
 */
export class CliSession {
  /** The Socketeer client socket. */
  readonly socket: Socket;
  private readonly listeners: SessionListener[] = [];
  private readonly watched = new WeakSet<EngineSocket>();
  /** set by close(): an upgrade finishing while the session closes is not news */
  private closing = false;

  /**
   * @param cmd the parsed command line
   * @param printer where the lines go
   * @example
   * ```ts
   * const session = new CliSession(cmd, new Printer({ json: cmd.json }));
   * ```
   */
  constructor(
    private readonly cmd: ConnectCommand,
    private readonly printer: Printer,
  ) {
    this.socket = io(targetUrl(cmd), clientOptions(cmd));
    const socket = this.socket;
    const namespace = new URL(targetUrl(cmd)).pathname || '/';
    socket.on('connect', () => {
      printer.print({ type: 'connect', id: socket.id, namespace, ...(socket.recovered ? { recovered: true } : {}) });
      for (const l of this.listeners) l.connect?.();
    });
    socket.on('connect_error', (err: Error & { data?: unknown }) => {
      const final = this.isFinal();
      printer.print({ type: 'connect_error', message: err.message, ...(err.data !== undefined ? { data: err.data } : {}) });
      for (const l of this.listeners) l.connectError?.(err, final);
    });
    socket.on('disconnect', (reason, description) => {
      const final = this.isFinal();
      printer.print({ type: 'disconnect', reason, ...(description !== undefined ? { description } : {}) });
      for (const l of this.listeners) l.disconnect?.(reason, final);
    });
    socket.onAny((event: string, ...args: unknown[]) => {
      const ackRequested = typeof args[args.length - 1] === 'function';
      if (ackRequested) args = args.slice(0, -1);
      printer.print({ type: 'event', event, args, ...(ackRequested ? { ack: true } : {}) });
      for (const l of this.listeners) l.event?.(event, args);
    });
    socket.io.on('reconnect_attempt', (attempt) => {
      printer.print({ type: 'reconnect_attempt', attempt });
      process.nextTick(() => this.watchEngine());
    });
  }

  /** True when the client will not try again: refused by the server, or reconnection off. */
  private isFinal(): boolean {
    return !this.socket.active || !this.socket.io.reconnection();
  }

  /**
   * Adds a listener of the session's happenings.
   * @example
   * ```ts
   * session.listen({ event: (name, args) => { if (name === 'done') finish(); } });
   * ```
   */
  listen(listener: SessionListener): void {
    this.listeners.push(listener);
  }

  /**
   * Opens the connection (again, after `disconnect`).
   * @example
   * ```ts
   * session.start();
   * ```
   */
  start(): void {
    this.socket.connect();
    this.watchEngine();
  }

  /** Prints the handshake and the upgrades of the Manager's current Engine.IO session. */
  private watchEngine(): void {
    const engine = this.socket.io.engine as EngineSocket | undefined;
    if (!engine || this.watched.has(engine)) return;
    this.watched.add(engine);
    engine.on('handshake', (data: HandshakeData) => {
      this.printer.print({
        type: 'open',
        sid: data.sid,
        transport: engine.transport?.name,
        upgrades: data.upgrades,
        pingInterval: data.pingInterval,
        pingTimeout: data.pingTimeout,
        maxPayload: data.maxPayload,
      });
    });
    engine.on('upgrade', (transport) => {
      if (!this.closing) this.printer.print({ type: 'upgrade', transport: transport.name });
    });
  }

  /**
   * Emits an event without acknowledgement.
   * @example
   * ```ts
   * session.emit('chat', ['hello']);
   * ```
   */
  emit(event: string, args: unknown[]): void {
    this.printer.print({ type: 'emit', event, args });
    this.socket.emit(event, ...args);
  }

  /**
   * Emits an event and waits for its acknowledgement (at most `timeout` ms when given).
   * @example
   * ```ts
   * const outcome = await session.emitWithAck('join', ['lobby'], 5000);
   * if (outcome.ok) console.log(outcome.args);
   * ```
   */
  emitWithAck(event: string, args: unknown[], timeout: number | undefined): Promise<AckOutcome> {
    this.printer.print({ type: 'emit', event, args, ack: true });
    return new Promise((resolve) => {
      const done = (err: Error | null, ackArgs: unknown[]): void => {
        const outcome: AckOutcome = err ? { ok: false, error: err.message } : { ok: true, args: ackArgs };
        this.printer.print(outcome.ok ? { type: 'ack', event, args: outcome.args } : { type: 'ack', event, error: outcome.error });
        resolve(outcome);
      };
      if (timeout === undefined) {
        this.socket.emit(event, ...args, (...ackArgs: unknown[]) => done(null, ackArgs));
      } else {
        this.socket.timeout(timeout).emit(event, ...args, (err: Error | null, ...ackArgs: unknown[]) => done(err, ackArgs));
      }
    });
  }

  /**
   * Disconnects the socket (the `disconnect` of the prompt); `start()` connects again.
   * @example
   * ```ts
   * session.disconnect();
   * ```
   */
  disconnect(): void {
    this.socket.disconnect();
  }

  /**
   * Disconnects and resolves once the connection has written what it had buffered and closed (at most `wait` ms).
   * @example
   * ```ts
   * await session.close();
   * process.exit(0);
   * ```
   */
  close(wait = 3000): Promise<void> {
    this.closing = true;
    const engine = this.socket.io.engine as EngineSocket | undefined;
    if (this.socket.connected || this.socket.active) this.socket.disconnect();
    if (!engine || engine.readyState === 'closed') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, wait);
      timer.unref();
      engine.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

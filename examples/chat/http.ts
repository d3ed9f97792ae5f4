/**
 * The chat demo's HTTP side: the pages and their assets, and the JSON endpoints that sign users in and
 * hand out access tokens.
 *
 * | Endpoint | Body | Reply |
 * |---|---|---|
 * | `POST /api/login` | `{ username, password }` | `200 { token, expiresIn, expiresAt, issuedAt, user }` + refresh cookie, or `401 { code: 'BAD_CREDENTIALS' }` (`429` after 10 failures a minute from one address) |
 * | `POST /api/signup` | `{ username, password }` | `201` as above, or `400`/`409 { code, error }` |
 * | `POST /api/token` | – (refresh cookie) | `200 { token, … }`, or `401 { code: 'NO_SESSION' }` |
 * | `POST /api/session` | – (refresh cookie) | what a page asks on load: `200 { token, … }` as above, or `200 { user: null }` when nobody is signed in |
 * | `POST /api/logout` | – (refresh cookie) | `204`, cookie cleared, the user's sockets disconnected |
 * | `GET /healthz` | – | `200 ok` (health checks of load balancers and containers) |
 *
 * The access token lives only in the page's memory and goes into the Socket.IO `auth` payload; the refresh
 * session is an opaque id in an `HttpOnly; SameSite=Strict` cookie that scripts cannot read and other sites
 * cannot send. JSON bodies are required (`Content-Type: application/json`), which a cross-site form cannot
 * produce without a CORS preflight.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { AuthError, type ChatAuth, type PublicUser } from './auth.js';

/** The name of the refresh cookie. */
export const REFRESH_COOKIE = 'chat_refresh';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' blob: data:; connect-src 'self' ws: wss:; style-src 'self'; script-src 'self'; " +
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Options of `createHttpHandler`. */
export interface HttpHandlerOptions {
  auth: ChatAuth;
  /** folder of the static files */
  publicDir: string;
  /** where the page loads the client bundle from (written into the pages) */
  bundlePath: () => string;
  /** the demo's own client bundle, if it serves one */
  fallbackBundle: () => string | null;
  /** the credentials refresh helper (global `SocketeerAuth`), served at `/assets/socketeer-auth.js` */
  authHelper: () => string | null;
  /** called after a sign-out, to disconnect the user's sockets */
  onLogout: (user: PublicUser) => void;
}

/**
 * Creates the request listener of the chat's HTTP server (Socket.IO requests never reach it).
 * @param opts auth, static folder and hooks
 * @returns a `request` listener
 */
export function createHttpHandler(opts: HttpHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { auth } = opts;
  const files = loadStatic(opts.publicDir);
  const failures = new FailureLimiter(LOGIN_FAILURES_PER_MINUTE, 60_000);

  const sendToken = async (res: ServerResponse, user: PublicUser, status: number, cookie?: string) => {
    const issued = await auth.issueToken(user);
    const headers: Record<string, string> = { 'cache-control': 'no-store' };
    if (cookie !== undefined) {
      headers['set-cookie'] = `${REFRESH_COOKIE}=${cookie}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${auth.refreshTtlSeconds}`;
    }
    json(res, status, issued, headers);
  };

  const api = async (req: IncomingMessage, res: ServerResponse, route: string) => {
    const refreshId = readCookie(req, REFRESH_COOKIE);
    switch (route) {
      case 'login': {
        const address = req.socket.remoteAddress ?? '';
        if (failures.blocked(address)) throw new AuthError('TOO_MANY_ATTEMPTS', 'Too many failed sign-ins, wait a minute', 429);
        const body = await readJson(req);
        const user = await auth.checkPassword(body.username, body.password);
        if (!user) {
          failures.fail(address);
          throw new AuthError('BAD_CREDENTIALS', 'Wrong username or password');
        }
        return sendToken(res, user, 200, await auth.openSession(user));
      }
      case 'signup': {
        const body = await readJson(req);
        const user = await auth.addUser(body.username, body.password);
        return sendToken(res, user, 201, await auth.openSession(user));
      }
      case 'token': {
        await readJson(req);
        const user = await auth.sessionUser(refreshId);
        if (!user) throw new AuthError('NO_SESSION', 'Please sign in');
        return sendToken(res, user, 200);
      }
      case 'session': {
        // not signed in is an answer here, not an error: a fresh visit logs no failed request
        await readJson(req);
        const user = await auth.sessionUser(refreshId);
        if (!user) return json(res, 200, { user: null }, { 'cache-control': 'no-store' });
        return sendToken(res, user, 200);
      }
      case 'logout': {
        await readJson(req);
        const user = await auth.sessionUser(refreshId);
        await auth.closeSession(refreshId);
        if (user) opts.onLogout(user);
        res.writeHead(204, { 'set-cookie': `${REFRESH_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0` });
        return res.end();
      }
      default:
        return json(res, 404, { code: 'NOT_FOUND', error: 'Not found' });
    }
  };

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path.startsWith('/api/')) {
      if (req.method !== 'POST') return json(res, 405, { code: 'METHOD', error: 'Use POST' }, { allow: 'POST' });
      api(req, res, path.slice(5)).catch((err) => {
        if (err instanceof AuthError) return json(res, err.status, { code: err.code, error: err.message });
        json(res, 400, { code: 'BAD_REQUEST', error: err instanceof Error ? err.message : 'Bad request' });
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'Method not allowed');
    // for load balancers and container health checks (docs/deploy.md)
    if (path === '/healthz') return send(res, 200, 'ok', 'text/plain; charset=utf-8', 'no-store');
    if (path === '/' || path === '/index.html') return page(res, files.get('index.html')!, opts.bundlePath());
    if (path === '/dashboard') return page(res, files.get('dashboard.html')!, opts.bundlePath());
    if (path === '/assets/socketeer.js') {
      const bundle = opts.fallbackBundle();
      if (bundle) return send(res, 200, bundle, TYPES['.js']!);
    }
    if (path === '/assets/socketeer-auth.js') {
      const helper = opts.authHelper();
      if (helper) return send(res, 200, helper, TYPES['.js']!);
    }
    if (path.startsWith('/assets/')) {
      const file = files.get(path.slice(8));
      if (file) return send(res, 200, file, TYPES[extname(path)] ?? 'application/octet-stream', 'public, max-age=60');
    }
    text(res, 404, 'Not found');
  };
}

/** Failed sign-ins accepted per address and minute. */
export const LOGIN_FAILURES_PER_MINUTE = 10;

/** Counts failures per key in fixed windows. */
class FailureLimiter {
  private readonly counts = new Map<string, { n: number; resetAt: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** @returns whether `key` used up its failures in the current window */
  blocked(key: string): boolean {
    const c = this.counts.get(key);
    if (!c) return false;
    if (c.resetAt <= Date.now()) {
      this.counts.delete(key);
      return false;
    }
    return c.n >= this.max;
  }

  /** Counts a failure of `key`. */
  fail(key: string): void {
    const now = Date.now();
    if (this.counts.size > 10_000) for (const [k, c] of this.counts) if (c.resetAt <= now) this.counts.delete(k);
    const c = this.counts.get(key);
    if (!c || c.resetAt <= now) this.counts.set(key, { n: 1, resetAt: now + this.windowMs });
    else c.n++;
  }
}

/** Reads every file of the static folder once. */
function loadStatic(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(dir)) files.set(name, readFileSync(join(dir, name)));
  return files;
}

function page(res: ServerResponse, html: Buffer, bundlePath: string): void {
  send(res, 200, html.toString('utf8').replace('{{bundle}}', bundlePath), TYPES['.html']!, 'no-store');
}

function send(res: ServerResponse, status: number, body: string | Buffer, type: string, cache = 'no-cache'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': cache, ...SECURITY_HEADERS });
  res.end(body);
}

function text(res: ServerResponse, status: number, body: string): void {
  send(res, status, body, 'text/plain; charset=utf-8');
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers, ...SECURITY_HEADERS });
  res.end(JSON.stringify(body));
}

/**
 * Reads a small JSON body (at most 8 KiB; an empty body is `{}`).
 * @throws Error when the content type is not JSON or the body is malformed
 */
function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
    return Promise.reject(new Error('Expected Content-Type: application/json'));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 8192) {
        reject(new Error('Body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      try {
        const value = raw ? JSON.parse(raw) : {};
        if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('Expected a JSON object');
        resolve(value);
      } catch (err) {
        reject(err instanceof Error ? err : new Error('Malformed JSON'));
      }
    });
    req.on('error', reject);
  });
}

/** @returns the value of cookie `name` in the request, if present */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Identity for the chat demo: users (scrypt-hashed passwords), short-lived access tokens (JWT HS256 signed
 * with a secret generated at the first start and kept in the store) and longer-lived refresh sessions held
 * server-side and named by an HttpOnly cookie.
 *
 * ```ts
 * const auth = new ChatAuth({ tokenTtlSeconds: 120 });
 * const user = await auth.checkPassword('alice', 'alice-password');
 * const { token } = await auth.issueToken(user!);
 * const claims = await auth.verifyToken(token); // throws AuthError { code: 'TOKEN_EXPIRED' | 'BAD_TOKEN' | 'NO_TOKEN' }
 * ```
 *
 * Users, refresh sessions and the secret live in a `store` (`store.ts`): the embedded SQLite file of
 * `npm start` (a restart keeps everyone signed in), or Redis when the demo runs on several nodes (every
 * node signs with the same secret, so any node verifies any token). Without one, an SQLite database in memory.
 */
import { randomBytes, randomUUID, scrypt as scryptCb, scryptSync, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { SqliteStore } from './sqlite-store.js';
import type { AuthStore } from './store.js';

/** A role carried by the token: admins may open the `/admin` namespace (the dashboard). */
export type Role = 'admin' | 'user';

/** A user as the rest of the app sees it (never the password hash). */
export interface PublicUser {
  name: string;
  role: Role;
}

/** The verified claims of an access token. */
export interface TokenClaims extends PublicUser {
  /** unique id of the token (`jti`) */
  id: string;
  /** expiry, epoch milliseconds */
  expiresAt: number;
}

/** An issued access token. */
export interface IssuedToken {
  token: string;
  /** lifetime in seconds */
  expiresIn: number;
  /** expiry, epoch milliseconds */
  expiresAt: number;
  /** the server's clock when the token was issued, epoch milliseconds (clients measure the lifetime left from it) */
  issuedAt: number;
  user: PublicUser;
}

/** Why a credential was refused; `code` is what the page and the connect_error payload carry. */
export class AuthError extends Error {
  /**
   * @param code machine-readable reason (`NO_TOKEN`, `BAD_TOKEN`, `TOKEN_EXPIRED`, `BAD_CREDENTIALS`, …)
   * @param message human-readable reason
   * @param status HTTP status for the REST endpoints
   */
  constructor(
    readonly code: string,
    message: string,
    readonly status = 401,
  ) {
    super(message);
  }
}

/** Options of `ChatAuth`. */
export interface ChatAuthOptions {
  /** access token lifetime (default 60 s) */
  tokenTtlSeconds?: number;
  /** refresh session lifetime (default 8 h) */
  refreshTtlSeconds?: number;
  /** HS256 secret (default: the store's, generated and stored at the first start) */
  secret?: Uint8Array;
  /** where users and refresh sessions live (default: an SQLite database in memory) */
  store?: AuthStore;
}

/** A user with its password hash, as stored. */
export interface StoredUser extends PublicUser {
  salt: Buffer;
  hash: Buffer;
}

/** The seeded accounts, also listed on the sign-in page. */
export const SEED_USERS: ReadonlyArray<PublicUser & { password: string }> = [
  { name: 'alice', password: 'alice-password', role: 'admin' },
  { name: 'bob', password: 'bob-password', role: 'user' },
];

const ISSUER = 'socketeer-chat';
const USERNAME = /^[a-z0-9_-]{2,20}$/;
const MIN_PASSWORD = 8;

/** Users, access tokens and refresh sessions of one chat server. */
export class ChatAuth {
  readonly tokenTtlSeconds: number;
  readonly refreshTtlSeconds: number;
  private secret: Uint8Array | undefined;
  private readonly store: AuthStore;
  /** settles once the seed users are stored and the secret is known (every method waits for it) */
  readonly ready: Promise<void>;

  /** @param opts token lifetimes, secret and store */
  constructor(opts: ChatAuthOptions = {}) {
    this.tokenTtlSeconds = opts.tokenTtlSeconds ?? 60;
    this.refreshTtlSeconds = opts.refreshTtlSeconds ?? 8 * 3600;
    this.secret = opts.secret;
    const store = (this.store = opts.store ?? new SqliteStore(':memory:'));
    const seeded: StoredUser[] = [];
    for (const u of SEED_USERS) {
      const salt = randomBytes(16);
      seeded.push({ name: u.name, role: u.role, salt, hash: scryptSync(u.password, salt, 32) });
    }
    // the first start (or the first node) seeds them; later ones keep its hashes
    this.ready = Promise.all([
      ...seeded.map((u) => store.addUser(u)),
      this.secret ? null : store.secret(randomBytes(32)).then((s) => void (this.secret = s)),
    ]).then(() => undefined);
  }

  private async findUser(name: string): Promise<StoredUser | undefined> {
    await this.ready;
    return this.store.getUser(name);
  }

  private async key(): Promise<Uint8Array> {
    await this.ready;
    return this.secret!;
  }

  /**
   * Creates an account.
   * @param name lower-case letters, digits, `_` and `-`, 2 to 20 characters
   * @param password at least 8 characters
   * @param role defaults to `user`
   * @returns the new user
   * @throws AuthError `BAD_USERNAME`, `WEAK_PASSWORD` (400) or `NAME_TAKEN` (409)
   */
  async addUser(name: unknown, password: unknown, role: Role = 'user'): Promise<PublicUser> {
    if (typeof name !== 'string' || !USERNAME.test(name)) {
      throw new AuthError('BAD_USERNAME', 'Usernames are 2 to 20 characters: a-z, 0-9, _ and -', 400);
    }
    if (typeof password !== 'string' || password.length < MIN_PASSWORD) {
      throw new AuthError('WEAK_PASSWORD', `Passwords have at least ${MIN_PASSWORD} characters`, 400);
    }
    if (await this.findUser(name)) throw new AuthError('NAME_TAKEN', 'This username is taken', 409);
    const salt = randomBytes(16);
    const hash = await scrypt(password, salt, 32);
    if (!(await this.store.addUser({ name, role, salt, hash }))) throw new AuthError('NAME_TAKEN', 'This username is taken', 409);
    return { name, role };
  }

  /**
   * Checks a username and password (hashing off the main thread, in constant time for the comparison).
   * @returns the user, or null when either is wrong
   */
  async checkPassword(name: unknown, password: unknown): Promise<PublicUser | null> {
    if (typeof name !== 'string' || typeof password !== 'string') return null;
    const user = await this.findUser(name);
    const hash = await scrypt(password, user?.salt ?? DUMMY_SALT, 32);
    if (!user || !timingSafeEqual(hash, user.hash)) return null;
    return { name: user.name, role: user.role };
  }

  /** @returns the user named `name`, if any */
  async getUser(name: string): Promise<PublicUser | undefined> {
    const u = await this.findUser(name);
    return u && { name: u.name, role: u.role };
  }

  /**
   * Signs a new access token.
   * @param user who the token is for
   * @returns the token with its lifetime
   */
  async issueToken(user: PublicUser): Promise<IssuedToken> {
    const now = Date.now();
    const exp = Math.floor(now / 1000) + this.tokenTtlSeconds;
    const token = await new SignJWT({ role: user.role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(user.name)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(await this.key());
    return {
      token,
      expiresIn: this.tokenTtlSeconds,
      expiresAt: exp * 1000,
      issuedAt: now,
      user: { name: user.name, role: user.role },
    };
  }

  /**
   * Verifies an access token: signature (HS256 only), issuer, expiry, and that the user still exists.
   * @param token the compact JWT, as sent in the `auth` payload
   * @returns its claims
   * @throws AuthError `NO_TOKEN`, `TOKEN_EXPIRED` or `BAD_TOKEN`
   */
  async verifyToken(token: unknown): Promise<TokenClaims> {
    if (typeof token !== 'string' || token.length === 0) throw new AuthError('NO_TOKEN', 'No token');
    let payload;
    try {
      ({ payload } = await jwtVerify(token, await this.key(), { issuer: ISSUER, algorithms: ['HS256'] }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new AuthError('TOKEN_EXPIRED', 'Token expired');
      throw new AuthError('BAD_TOKEN', 'Invalid token');
    }
    const user = typeof payload.sub === 'string' ? await this.getUser(payload.sub) : undefined;
    if (!user || typeof payload.jti !== 'string' || typeof payload.exp !== 'number') {
      throw new AuthError('BAD_TOKEN', 'Invalid token');
    }
    return { name: user.name, role: user.role, id: payload.jti, expiresAt: payload.exp * 1000 };
  }

  /**
   * Opens a refresh session for a signed-in user.
   * @returns the opaque session id to put in the HttpOnly cookie
   */
  async openSession(user: PublicUser): Promise<string> {
    const id = randomBytes(24).toString('base64url');
    await this.ready;
    await this.store.openSession(id, user.name, this.refreshTtlSeconds);
    return id;
  }

  /**
   * @param id the refresh cookie value
   * @returns the user of a live refresh session, or null
   */
  async sessionUser(id: string | undefined): Promise<PublicUser | null> {
    if (!id) return null;
    await this.ready;
    const name = await this.store.sessionName(id);
    return name === null ? null : ((await this.getUser(name)) ?? null);
  }

  /** Ends a refresh session (sign-out). */
  async closeSession(id: string | undefined): Promise<void> {
    if (!id) return;
    await this.ready;
    await this.store.closeSession(id);
  }
}

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

// hashing against a dummy salt for unknown users keeps the response time independent of the name
const DUMMY_SALT = randomBytes(16);

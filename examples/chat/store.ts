/**
 * Where the chat keeps what must outlive a connection: users (with their password hashes), refresh
 * sessions, the history of each room and the secret that signs the access tokens. Two implementations:
 *
 * - `SqliteStore` (`sqlite-store.ts`): an embedded database file, the default of `npm start` (`DATA_DIR`,
 *   `./data/` by default), so a restart keeps everyone signed in and every room's history; `:memory:` for tests;
 * - `RedisStore` (`redis-store.ts`): one Redis shared by the nodes of `npm run start:cluster`.
 */
import type { StoredUser } from './auth.js';
import type { ChatMessage } from './chat.js';

/** Users and refresh sessions (see `ChatAuth`). */
export interface AuthStore {
  /** @returns the user named `name`, if any */
  getUser(name: string): Promise<StoredUser | undefined>;
  /** Adds a user unless the name is taken. @returns false when it is */
  addUser(user: StoredUser): Promise<boolean>;
  /** Stores a refresh session for `ttlSeconds`. */
  openSession(id: string, name: string, ttlSeconds: number): Promise<void>;
  /** @returns the user name of a live refresh session, or null */
  sessionName(id: string): Promise<string | null>;
  /** Ends a refresh session. */
  closeSession(id: string): Promise<void>;
  /**
   * The token signing secret: the stored one, or `fresh` stored now when there is none yet (the first
   * node or the first start wins; later calls return its secret).
   */
  secret(fresh: Uint8Array): Promise<Uint8Array>;
}

/** The history of each room (see `attachChat`). */
export interface HistoryStore {
  /** Appends a message to its room's history (trimmed to the last `HISTORY` messages). */
  add(msg: ChatMessage): Promise<void>;
  /** @returns the last messages of a room, oldest first */
  get(room: string): Promise<ChatMessage[]>;
  /** Forgets a room's history. */
  clear(room: string): Promise<void>;
}

/** Everything the chat stores. */
export interface ChatStore extends AuthStore, HistoryStore {
  /** Releases the database (the store is unusable afterwards). */
  close(): void;
}

/** Messages kept per room. */
export const HISTORY = 50;
/** Bytes of images kept per room's history. */
export const HISTORY_IMAGE_BYTES = 4 * 1024 * 1024;

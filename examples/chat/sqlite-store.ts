/**
 * The chat's embedded store (`npm start`): one SQLite file through `better-sqlite3`, so users, refresh
 * sessions, room history and the token signing secret survive a restart.
 *
 * ```ts
 * const store = SqliteStore.open('./data');   // ./data/chat.db, the folder created if needed
 * const test = new SqliteStore(':memory:');    // nothing on disk
 * ```
 *
 * Tables: `meta(key, value)` (the secret), `users(name, role, salt, hash)`, `sessions(id, name, expires_at)`
 * (expired rows are dropped when a session opens), `history(seq, room, message, image)` (a message as JSON
 * without its image bytes, which sit in `image`; each room trimmed to `HISTORY` messages and
 * `HISTORY_IMAGE_BYTES` of images). The database runs in WAL mode; calls are synchronous and short, the
 * methods return settled promises to share the `ChatStore` interface with Redis.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { StoredUser } from './auth.js';
import type { ChatMessage } from './chat.js';
import { HISTORY, HISTORY_IMAGE_BYTES, type ChatStore } from './store.js';

/** The database file's name inside the data folder. */
export const DB_FILE = 'chat.db';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
  CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, role TEXT NOT NULL, salt BLOB NOT NULL, hash BLOB NOT NULL);
  CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, name TEXT NOT NULL, expires_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS history (seq INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, message TEXT NOT NULL, image BLOB);
  CREATE INDEX IF NOT EXISTS history_room ON history (room, seq);
`;

type Row = Record<string, unknown>;

/** Users, refresh sessions, history and secret in one SQLite database. */
export class SqliteStore implements ChatStore {
  private readonly db: Database.Database;
  private readonly q;
  private readonly append: (msg: ChatMessage) => void;

  /**
   * Opens (creating if needed) `<dir>/chat.db`.
   * @param dir the data folder, created if missing
   */
  static open(dir: string): SqliteStore {
    mkdirSync(dir, { recursive: true });
    return new SqliteStore(join(dir, DB_FILE));
  }

  /** @param file a database file, or `:memory:` */
  constructor(file: string) {
    this.db = new Database(file);
    if (file !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
    const p = (sql: string) => this.db.prepare(sql);
    this.q = {
      getMeta: p('SELECT value FROM meta WHERE key = ?'),
      addMeta: p('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)'),
      getUser: p('SELECT name, role, salt, hash FROM users WHERE name = ?'),
      addUser: p('INSERT OR IGNORE INTO users (name, role, salt, hash) VALUES (?, ?, ?, ?)'),
      prune: p('DELETE FROM sessions WHERE expires_at <= ?'),
      openSession: p('INSERT OR REPLACE INTO sessions (id, name, expires_at) VALUES (?, ?, ?)'),
      session: p('SELECT name FROM sessions WHERE id = ? AND expires_at > ?'),
      closeSession: p('DELETE FROM sessions WHERE id = ?'),
      append: p('INSERT INTO history (room, message, image) VALUES (?, ?, ?)'),
      sizes: p('SELECT seq, length(image) AS bytes FROM history WHERE room = ? ORDER BY seq DESC'),
      trim: p('DELETE FROM history WHERE room = ? AND seq <= ?'),
      history: p('SELECT message, image FROM history WHERE room = ? ORDER BY seq'),
    };
    this.append = this.db.transaction((msg: ChatMessage) => {
      const { image, ...rest } = msg;
      const meta = image ? { ...rest, image: { type: image.type, name: image.name } } : rest;
      this.q.append.run(msg.room, JSON.stringify(meta), image?.data ?? null);
      let count = 0;
      let bytes = 0;
      for (const row of this.q.sizes.all(msg.room) as Row[]) {
        count++;
        bytes += (row.bytes as number | null) ?? 0;
        if (count > HISTORY || bytes > HISTORY_IMAGE_BYTES) {
          this.q.trim.run(msg.room, row.seq);
          break;
        }
      }
    });
  }

  async getUser(name: string): Promise<StoredUser | undefined> {
    const row = this.q.getUser.get(name) as Row | undefined;
    if (!row) return undefined;
    return { name: row.name as string, role: row.role as StoredUser['role'], salt: row.salt as Buffer, hash: row.hash as Buffer };
  }

  async addUser(user: StoredUser): Promise<boolean> {
    return this.q.addUser.run(user.name, user.role, user.salt, user.hash).changes === 1;
  }

  async openSession(id: string, name: string, ttlSeconds: number): Promise<void> {
    const now = Date.now();
    this.q.prune.run(now);
    this.q.openSession.run(id, name, now + ttlSeconds * 1000);
  }

  async sessionName(id: string): Promise<string | null> {
    const row = this.q.session.get(id, Date.now()) as Row | undefined;
    return row ? (row.name as string) : null;
  }

  async closeSession(id: string): Promise<void> {
    this.q.closeSession.run(id);
  }

  async secret(fresh: Uint8Array): Promise<Uint8Array> {
    this.q.addMeta.run('secret', Buffer.from(fresh));
    return new Uint8Array((this.q.getMeta.get('secret') as Row).value as Buffer);
  }

  /** Appends the message, then drops the room's oldest beyond the count and image budgets (one transaction). */
  async add(msg: ChatMessage): Promise<void> {
    this.append(msg);
  }

  async get(room: string): Promise<ChatMessage[]> {
    return (this.q.history.all(room) as Row[]).map((row) => {
      const m = JSON.parse(row.message as string) as ChatMessage & { image?: { type: string; name: string } };
      return m.image ? { ...m, image: { ...m.image, data: row.image as Buffer } } : m;
    });
  }

  async clear(room: string): Promise<void> {
    this.q.trim.run(room, Number.MAX_SAFE_INTEGER);
  }

  close(): void {
    this.db.close();
  }
}

/**
 * What the chat nodes share when the demo runs on several processes (`REDIS_URL`): users and refresh
 * sessions (`RedisAuthStore`) and the history of each room (`RedisHistory`), in one Redis.
 *
 * Keys (prefix `chat:` by default): `chat:users` (hash: name → JSON user with base64 salt and hash),
 * `chat:refresh:<id>` (string: user name, expiring with the session), `chat:history:<room>` (list of JSON
 * messages, newest last, trimmed to the history length, expiring a day after the last message).
 */
import type { Redis } from 'ioredis';
import type { AuthStore, StoredUser } from './auth.js';
import type { ChatMessage } from './chat.js';

/** Users and refresh sessions in Redis. */
export class RedisAuthStore implements AuthStore {
  /**
   * @param redis a command connection
   * @param prefix key prefix (default `chat:`)
   */
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'chat:',
  ) {}

  /** @returns the stored user, if any */
  async getUser(name: string): Promise<StoredUser | undefined> {
    const raw = await this.redis.hget(this.prefix + 'users', name);
    if (!raw) return undefined;
    const u = JSON.parse(raw) as { role: StoredUser['role']; salt: string; hash: string };
    return { name, role: u.role, salt: Buffer.from(u.salt, 'base64'), hash: Buffer.from(u.hash, 'base64') };
  }

  /** @returns false when the name is taken (`HSETNX`) */
  async addUser(user: StoredUser): Promise<boolean> {
    const value = JSON.stringify({ role: user.role, salt: user.salt.toString('base64'), hash: user.hash.toString('base64') });
    return (await this.redis.hsetnx(this.prefix + 'users', user.name, value)) === 1;
  }

  /** Stores the session with an expiry. */
  async openSession(id: string, name: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.prefix + 'refresh:' + id, name, 'EX', ttlSeconds);
  }

  /** @returns the user name, or null once expired or closed */
  sessionName(id: string): Promise<string | null> {
    return this.redis.get(this.prefix + 'refresh:' + id);
  }

  /** Deletes the session. */
  async closeSession(id: string): Promise<void> {
    await this.redis.del(this.prefix + 'refresh:' + id);
  }
}

/** Room history shared by the nodes (see `attachChat`'s `history` option). */
export interface HistoryStore {
  /** Appends a message to its room's history. */
  add(msg: ChatMessage): Promise<void>;
  /** @returns the last messages of a room, oldest first */
  get(room: string): Promise<ChatMessage[]>;
}

/** Seconds a room's history is kept after its last message. */
const HISTORY_TTL = 24 * 3600;

/** Room history in Redis lists (images as base64). */
export class RedisHistory implements HistoryStore {
  /**
   * @param redis a command connection
   * @param length messages kept per room
   * @param prefix key prefix (default `chat:`)
   */
  constructor(
    private readonly redis: Redis,
    private readonly length: number,
    private readonly prefix = 'chat:',
  ) {}

  /** Appends and trims (one transaction). */
  async add(msg: ChatMessage): Promise<void> {
    const key = this.prefix + 'history:' + msg.room;
    const stored = msg.image ? { ...msg, image: { ...msg.image, data: msg.image.data.toString('base64') } } : msg;
    await this.redis.multi().rpush(key, JSON.stringify(stored)).ltrim(key, -this.length, -1).expire(key, HISTORY_TTL).exec();
  }

  /** @returns the room's messages, images back as buffers */
  async get(room: string): Promise<ChatMessage[]> {
    const raw = await this.redis.lrange(this.prefix + 'history:' + room, 0, -1);
    return raw.map((r) => {
      const m = JSON.parse(r) as ChatMessage & { image?: { type: string; name: string; data: string } };
      return m.image ? { ...m, image: { ...m.image, data: Buffer.from(m.image.data, 'base64') } } : (m as ChatMessage);
    });
  }
}

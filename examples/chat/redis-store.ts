/**
 * What the chat nodes share when the demo runs on several processes (`REDIS_URL`): the `ChatStore` in one
 * Redis — users, refresh sessions, the history of each room and the token signing secret.
 *
 * Keys (prefix `chat:` by default): `chat:secret` (set once by the first node), `chat:users` (hash: name →
 * JSON user with base64 salt and hash),
 * `chat:refresh:<id>` (string: user name, expiring with the session), `chat:history:<room>` (list of JSON
 * messages, newest last, trimmed to the history length, expiring a day after the last message).
 */
import type { Redis } from 'ioredis';
import type { StoredUser } from './auth.js';
import type { ChatMessage } from './chat.js';
import { HISTORY, type ChatStore } from './store.js';

/** Seconds a room's history is kept after its last message. */
const HISTORY_TTL = 24 * 3600;

/** Users, refresh sessions, room history (images as base64) and the secret in Redis. */
export class RedisStore implements ChatStore {
  /**
   * @param redis a command connection (its owner closes it)
   * @param prefix key prefix (default `chat:`)
   */
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'chat:',
  ) {}

  /** `SET NX`, then the stored value */
  async secret(fresh: Uint8Array): Promise<Uint8Array> {
    const key = this.prefix + 'secret';
    await this.redis.set(key, Buffer.from(fresh).toString('base64'), 'NX');
    return new Uint8Array(Buffer.from((await this.redis.get(key)) ?? '', 'base64'));
  }

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

  /** Appends and trims (one transaction). */
  async add(msg: ChatMessage): Promise<void> {
    const key = this.prefix + 'history:' + msg.room;
    const stored = msg.image ? { ...msg, image: { ...msg.image, data: msg.image.data.toString('base64') } } : msg;
    await this.redis.multi().rpush(key, JSON.stringify(stored)).ltrim(key, -HISTORY, -1).expire(key, HISTORY_TTL).exec();
  }

  /** @returns the room's messages, images back as buffers */
  async get(room: string): Promise<ChatMessage[]> {
    const raw = await this.redis.lrange(this.prefix + 'history:' + room, 0, -1);
    return raw.map((r) => {
      const m = JSON.parse(r) as ChatMessage & { image?: { type: string; name: string; data: string } };
      return m.image ? { ...m, image: { ...m.image, data: Buffer.from(m.image.data, 'base64') } } : (m as ChatMessage);
    });
  }

  /** Deletes the room's list. */
  async clear(room: string): Promise<void> {
    await this.redis.del(this.prefix + 'history:' + room);
  }

  /** Nothing to release: the connection belongs to the caller. */
  close(): void {}
}

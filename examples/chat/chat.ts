/**
 * The chat itself, on the main namespace: rooms to join and leave, messages acknowledged to their sender
 * (the page's delivered tick), a volatile typing indicator, who is in each room, and pasted images sent as
 * binary. The last messages of each room are kept in the `history` store (SQLite, or Redis on several
 * nodes) so a newcomer, or anyone after a restart, sees the conversation (forgotten when a room other than
 * the default ones empties). Who is in each room, and the room list with its counts, come from the server's
 * presence (`nsp.presence`, replicated between the nodes: no request to the other nodes), each node telling its
 * own sockets when a room's presence changes.
 *
 * | Client → server | Payload | Ack |
 * |---|---|---|
 * | `room:join` | room name | `{ ok, users, history }` or `{ ok: false, error }` |
 * | `room:leave` | room name | `{ ok }` |
 * | `message` | `{ room, text }` | `{ ok, id, at }` |
 * | `image` | `{ room, type, name, data: ArrayBuffer }` | `{ ok, id, at }` |
 * | `typing` (volatile) | `{ room, typing }` | – |
 *
 * A page's CONNECT may name the rooms it was in (`auth.rooms`, see `rejoin.ts`): the socket is put back in them
 * at once, so the messages it sends again right after a reconnection are not refused.
 *
 * Server → client: `message` (a `ChatMessage`, `image.data` binary), `typing`, `presence { room, users }`,
 * `rooms [{ name, users }]`, `session:expired`.
 */
import { randomUUID } from 'node:crypto';
import type { Namespace, Socket } from '../../src/server/index.js';
import { noticeExpiry, type SocketData } from './middleware.js';
import type { HistoryStore } from './store.js';
import { roomsToRejoin } from './rejoin.js';

/** A message as stored and relayed. */
export interface ChatMessage {
  id: string;
  room: string;
  from: string;
  /** epoch ms */
  at: number;
  text?: string;
  image?: { type: string; name: string; data: Buffer };
}

/** Result of an acknowledged request. */
type Reply = (res: Record<string, unknown>) => void;

/** Rooms always listed, even when empty. */
export const DEFAULT_ROOMS = ['general', 'random', 'help'];
/** Prefix of the per-user rooms (`user:alice`), used to reach every socket of a user. */
export const USER_ROOM_PREFIX = 'user:';

const ROOM_NAME = /^[a-z0-9][a-z0-9-]{0,23}$/;
const MAX_TEXT = 2000;
const MAX_IMAGE = 512 * 1024;
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/**
 * Wires the chat handlers on a namespace whose middleware put the user in `socket.data`.
 * @param nsp the main namespace
 * @param opts `history` keeps each room's last messages; `shared` when the chat runs on several nodes
 * (presence over all of them); `onChange` is called when rooms or membership change (for the dashboard)
 * @returns `close()` to stop pending timers
 */
export function attachChat(nsp: Namespace, opts: { history: HistoryStore; shared?: boolean; onChange?: () => void }): { close(): void } {
  const history = opts.history;
  const shared = opts.shared === true;
  const fail = (err: Error) => console.error('chat: store unavailable:', err.message);
  let roomsTimer: ReturnType<typeof setTimeout> | null = null;

  /** Distinct user names in a room, on every node. */
  const usersIn = (room: string): string[] => Object.keys(nsp.presence.list(room)).sort();

  const roomList = () => {
    const names = new Set(DEFAULT_ROOMS);
    for (const room of nsp.presence.rooms()) if (ROOM_NAME.test(room)) names.add(room);
    return [...names].map((name) => ({ name, users: nsp.presence.count(name) }));
  };

  /** Tells this node's sockets the room list changed (coalesced; every node does it for its own). */
  const roomsChanged = () => {
    opts.onChange?.();
    if (roomsTimer) return;
    roomsTimer = setTimeout(() => {
      roomsTimer = null;
      nsp.local.emit('rooms', roomList());
    }, 50);
  };

  // a room's presence changed (on this node or another): its members on this node get the new list
  const unsubscribe = nsp.presence.subscribe(({ room }) => {
    if (!ROOM_NAME.test(room)) return;
    nsp.local.to(room).emit('presence', { room, users: usersIn(room) });
    roomsChanged();
  });

  const remember = (msg: ChatMessage) => {
    history.add(msg).catch(fail);
  };

  /** Forgets the history of a room nobody is in any more (the default rooms keep theirs). */
  const forgetIfEmpty = (room: string) => {
    // on several nodes the room may still have members elsewhere: shared histories expire on their own
    if (!shared && !nsp.adapter.rooms.has(room) && !DEFAULT_ROOMS.includes(room)) history.clear(room).catch(fail);
  };

  nsp.on('connection', (socket: Socket) => {
    const { user } = socket.data as SocketData;
    noticeExpiry(socket);
    socket.join(USER_ROOM_PREFIX + user.name);
    // a page reconnecting is back in its rooms (and their presence) before its queued messages arrive (see rejoin.ts)
    for (const room of roomsToRejoin(socket.handshake.auth, (r) => ROOM_NAME.test(r))) nsp.presence.track(socket, room, user.name);
    socket.emit('rooms', roomList());

    socket.on('room:join', (room: unknown, reply: Reply) => {
      if (typeof reply !== 'function') return;
      if (typeof room !== 'string' || !ROOM_NAME.test(room)) {
        return reply({ ok: false, error: 'Room names are 1 to 24 characters: a-z, 0-9 and -' });
      }
      if (!socket.rooms.has(room)) nsp.presence.track(socket, room, user.name);
      history.get(room).then((past) => {
        reply({ ok: true, users: usersIn(room), history: past });
      }, (err: Error) => {
        fail(err);
        reply({ ok: false, error: 'Try again in a moment' });
      });
    });

    socket.on('room:leave', (room: unknown, reply: Reply) => {
      if (typeof room !== 'string' || !socket.rooms.has(room) || room.startsWith(USER_ROOM_PREFIX) || room === socket.id) {
        if (typeof reply === 'function') reply({ ok: false, error: 'Not in this room' });
        return;
      }
      socket.leave(room);
      if (typeof reply === 'function') reply({ ok: true });
      socket.emit('presence', { room, users: [] });
      forgetIfEmpty(room);
    });

    socket.on('message', (msg: { room?: unknown; text?: unknown }, reply: Reply) => {
      if (typeof reply !== 'function') return;
      const room = msg?.room;
      const text = typeof msg?.text === 'string' ? msg.text.trim() : '';
      if (typeof room !== 'string' || !socket.rooms.has(room)) return reply({ ok: false, error: 'Join the room first' });
      if (!text || text.length > MAX_TEXT) return reply({ ok: false, error: `Messages are 1 to ${MAX_TEXT} characters` });
      const out: ChatMessage = { id: randomUUID(), room, from: user.name, at: Date.now(), text };
      remember(out);
      socket.to(room).emit('message', out);
      reply({ ok: true, id: out.id, at: out.at });
    });

    socket.on('image', (msg: { room?: unknown; type?: unknown; name?: unknown; data?: unknown }, reply: Reply) => {
      if (typeof reply !== 'function') return;
      const room = msg?.room;
      const data = msg?.data;
      if (typeof room !== 'string' || !socket.rooms.has(room)) return reply({ ok: false, error: 'Join the room first' });
      if (typeof msg.type !== 'string' || !IMAGE_TYPES.has(msg.type)) return reply({ ok: false, error: 'PNG, JPEG, GIF or WebP only' });
      if (!Buffer.isBuffer(data) || data.length === 0 || data.length > MAX_IMAGE) {
        return reply({ ok: false, error: `Images up to ${MAX_IMAGE / 1024} KiB` });
      }
      const name = typeof msg.name === 'string' ? msg.name.slice(0, 100) : 'image';
      const out: ChatMessage = { id: randomUUID(), room, from: user.name, at: Date.now(), image: { type: msg.type, name, data } };
      remember(out);
      socket.to(room).emit('message', out);
      reply({ ok: true, id: out.id, at: out.at });
    });

    socket.on('typing', (msg: { room?: unknown; typing?: unknown }) => {
      const room = msg?.room;
      if (typeof room !== 'string' || !socket.rooms.has(room)) return;
      socket.volatile.to(room).emit('typing', { room, user: user.name, typing: msg.typing === true });
    });

    socket.on('disconnecting', () => {
      const left = [...socket.rooms].filter((r) => r !== socket.id && !r.startsWith(USER_ROOM_PREFIX));
      // the socket is out of its rooms once `disconnect` fires
      socket.once('disconnect', () => {
        for (const room of left) forgetIfEmpty(room);
        roomsChanged();
      });
    });
  });

  return {
    close() {
      unsubscribe();
      if (roomsTimer) clearTimeout(roomsTimer);
      roomsTimer = null;
    },
  };
}

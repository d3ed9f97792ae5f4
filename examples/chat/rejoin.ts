/**
 * A page that reconnects says which rooms it was in (`auth.rooms` of its CONNECT), and the chat puts the new
 * socket back in them before anything else: the messages its outbox sends again right after the reconnection
 * (the client's `retries` send them before the page's `room:join`) land in their room instead of being refused.
 * The page still sends `room:join` for each room afterwards, to get the history and who is there.
 *
 * ```ts
 * io({ auth: (cb) => cb({ token, rooms: ['general', 'release'] }) });
 * ```
 */

/** Rooms a handshake may ask to be put back in. */
export const MAX_REJOIN_ROOMS = 20;

/**
 * The valid room names of a handshake's `auth.rooms` (others ignored, at most {@link MAX_REJOIN_ROOMS}).
 * @param auth the CONNECT payload
 * @param valid which names are rooms (the chat's room-name rule)
 * @returns the rooms to join
 * @example
 * ```ts
 * roomsToRejoin({ token, rooms: ['general', '../x'] }, (r) => /^[a-z0-9-]+$/.test(r));   // ['general']
 * ```
 */
export function roomsToRejoin(auth: unknown, valid: (room: string) => boolean): string[] {
  const rooms = (auth as { rooms?: unknown } | null)?.rooms;
  if (!Array.isArray(rooms)) return [];
  const out = new Set<string>();
  for (const room of rooms.slice(0, MAX_REJOIN_ROOMS)) if (typeof room === 'string' && valid(room)) out.add(room);
  return [...out];
}

/**
 * Compact listener tables for the emitters every connection owns. Node.js gives each `EventEmitter` a
 * prototype-less object as its listener table (`_events`), which V8 keeps as a hash table (about 300 B with a
 * few events); a table made by a constructor whose prototype has no prototype keeps the same null-prototype
 * lookups but lives in V8's fast mode, its properties in the object itself (about 130 B less per emitter, the
 * shape shared by every connection that listens to the same events).
 *
 * Must never import anything of the engine or the server.
 *
 * @example
 * ```ts
 * class Session extends EventEmitter {
 *   constructor() {
 *     super();
 *     compactListeners(this);
 *   }
 * }
 * compactListeners(websocket);   // after adding the connection's listeners
 * ```
 */
import type { EventEmitter } from 'node:events';

/** The listener table: no inherited key (`toString`, `__proto__`…) can be mistaken for an event. */
const ListenerTable = function ListenerTable(this: object): void {} as unknown as new () => Record<string | symbol, unknown>;
ListenerTable.prototype = Object.create(null) as object;

type WithTable = { _events?: Record<string | symbol, unknown>; _eventsCount?: number };

/**
 * Gives an emitter a compact listener table holding the listeners it has (none when just constructed).
 * @param emitter the emitter
 * @example
 * ```ts
 * compactListeners(transport);
 * ```
 */
export function compactListeners(emitter: EventEmitter): void {
  const target = emitter as unknown as WithTable;
  const old = target._events;
  if (old === undefined) return;
  if (target._eventsCount === 0) {
    // just constructed (or without listeners): nothing to copy
    target._events = new ListenerTable();
    return;
  }
  if (old instanceof ListenerTable) return;
  target._events = Object.assign(new ListenerTable(), old);
}

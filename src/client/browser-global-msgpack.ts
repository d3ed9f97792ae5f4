/**
 * Entry of the MessagePack browser script (`socket.io.msgpack.min.js`): the same global `io` as
 * `socketeer.min.js`, whose connections use the MessagePack parser unless a `parser` option is given,
 * as the reference's MessagePack script does (its server must use a MessagePack parser too).
 *
 * Owns the entry of the MessagePack browser script. Must never import server or server-engine code
 * (`src/server/`, `src/engine/`): the client pulls only `src/client/`, `src/protocol/` and `src/util/`.
 */
import { io, protocol, Manager, Socket } from './index.js';
import type { ManagerOptions } from './manager.js';
import type { SocketOptions } from './socket.js';
import * as msgpackParser from './msgpack-parser.js';

type Options = Partial<ManagerOptions & SocketOptions>;

/** A Manager whose parser defaults to MessagePack. */
class MsgpackManager extends Manager {
  constructor(uri?: string | Partial<ManagerOptions>, opts?: Partial<ManagerOptions>) {
    if (typeof uri === 'object') super({ parser: msgpackParser, ...uri });
    else super(uri, { parser: msgpackParser, ...opts });
  }
}

/**
 * `io()` with the MessagePack parser as default.
 * @param uri server URL (the namespace as its path), or the options
 * @param opts options
 */
function lookup(uri?: string | Options, opts?: Options): ReturnType<typeof io> {
  if (typeof uri === 'object') return io({ parser: msgpackParser, ...uri });
  return io(uri, { parser: msgpackParser, ...opts });
}

Object.assign(lookup, { Manager: MsgpackManager, Socket, io: lookup, connect: lookup, protocol });
(globalThis as unknown as { io: typeof lookup }).io = lookup;

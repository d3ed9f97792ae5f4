/**
 * The `/admin` namespace behind the dashboard: only tokens with the admin role get in (see
 * `tokenVerifier`). Connected dashboards join the `dashboards` room and receive a `snapshot` every
 * second and shortly after every visible change (a connection, an upgrade, a room joined…).
 *
 * | Client → server | Payload | Ack |
 * |---|---|---|
 * | `kick` | Engine.IO session id | `{ ok }`: closes that connection, telling the page why (`kicked`) |
 *
 * With a `nodeId` (the chat on several nodes over Redis), snapshots are gathered from every node with
 * `serverSideEmitWithAck('chat:snapshot')` and merged (`mergeSnapshots`); each node pushes to its own
 * dashboards only, and `kick` asks the other nodes (`chat:kick`) when the connection is not local.
 */
import { DisconnectReasons, type Namespace, type Socket } from '../../src/server/index.js';
import { mergeSnapshots, type Metrics, type NodeSnapshot, type Snapshot } from './metrics.js';
import { USER_ROOM_PREFIX } from './chat.js';
import { noticeExpiry, type SocketData } from './middleware.js';

const DASHBOARDS = 'dashboards';

/**
 * Wires the dashboard feed on the admin namespace.
 * @param admin the `/admin` namespace (its middleware already checks the role)
 * @param main the main namespace (whose connections can be kicked)
 * @param metrics the figures to push
 * @param opts `nodeId` names this node when the chat runs on several
 * @returns `close()` to stop the feed
 */
export function attachAdmin(admin: Namespace, main: Namespace, metrics: Metrics, opts: { nodeId?: string } = {}): { close(): void } {
  const nodeId = opts.nodeId;
  let gathering = false;
  /** Every node's snapshot, merged (a node that does not answer in time is left out). */
  const gather = async (): Promise<Snapshot> => {
    const parts: NodeSnapshot[] = [{ node: nodeId!, snapshot: metrics.snapshot() }];
    try {
      parts.push(...((await admin.serverSideEmitWithAck('chat:snapshot')) as NodeSnapshot[]));
    } catch (err) {
      parts.push(...(((err as { responses?: NodeSnapshot[] }).responses ?? []) as NodeSnapshot[]));
    }
    return mergeSnapshots(parts);
  };
  const push = () => {
    if (!admin.adapter.rooms.get(DASHBOARDS)?.size) return;
    if (nodeId === undefined) {
      admin.to(DASHBOARDS).emit('snapshot', metrics.snapshot());
      return;
    }
    if (gathering) return;
    gathering = true;
    gather().then(
      (s) => {
        gathering = false;
        admin.local.to(DASHBOARDS).emit('snapshot', s);
      },
      (err: Error) => {
        gathering = false;
        console.error('dashboard: could not gather the nodes:', err.message);
      },
    );
  };
  const kickLocal = (id: unknown): boolean => {
    for (const s of main.sockets.values()) {
      if (s.conn.id === id) {
        // the page says why: "You were disconnected by an admin"
        s.disconnect(true, { reason: DisconnectReasons.KICKED, message: 'Disconnected by an admin' });
        return true;
      }
    }
    return false;
  };
  if (nodeId !== undefined) {
    admin.on('chat:snapshot', (reply: (part: NodeSnapshot) => void) => reply({ node: nodeId, snapshot: metrics.snapshot() }));
    admin.on('chat:kick', (id: unknown, reply: (found: boolean) => void) => reply(kickLocal(id)));
  }
  metrics.onChange(push);
  const timer = setInterval(() => {
    metrics.tick();
    push();
  }, 1000);

  admin.on('connection', (socket: Socket) => {
    noticeExpiry(socket);
    socket.join([DASHBOARDS, USER_ROOM_PREFIX + (socket.data as SocketData).user.name]);
    if (nodeId === undefined) socket.emit('snapshot', metrics.snapshot());
    else gather().then((s) => socket.emit('snapshot', s), () => socket.emit('snapshot', metrics.snapshot()));
    socket.on('kick', (id: unknown, reply: (res: { ok: boolean }) => void) => {
      const answer = (ok: boolean) => {
        if (typeof reply === 'function') reply({ ok });
      };
      if (kickLocal(id)) return answer(true);
      if (nodeId === undefined) return answer(false);
      (admin.serverSideEmitWithAck('chat:kick', id) as Promise<boolean[]>).then(
        (found) => answer(found.some(Boolean)),
        (err: { responses?: boolean[] }) => answer((err.responses ?? []).some(Boolean)),
      );
    });
  });

  return {
    close() {
      clearInterval(timer);
      metrics.close();
    },
  };
}

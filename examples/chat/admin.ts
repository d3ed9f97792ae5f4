/**
 * The `/admin` namespace behind the dashboard: only tokens with the admin role get in (see
 * `tokenMiddleware`). Connected dashboards join the `dashboards` room and receive a `snapshot` every
 * second and shortly after every visible change (a connection, an upgrade, a room joined…).
 *
 * | Client → server | Payload | Ack |
 * |---|---|---|
 * | `kick` | Engine.IO session id | `{ ok }`: closes that connection |
 */
import type { Namespace, Socket } from '../../src/server/index.js';
import type { Metrics } from './metrics.js';
import { USER_ROOM_PREFIX } from './chat.js';
import { expireWithToken, type SocketData } from './middleware.js';

const DASHBOARDS = 'dashboards';

/**
 * Wires the dashboard feed on the admin namespace.
 * @param admin the `/admin` namespace (its middleware already checks the role)
 * @param main the main namespace (whose connections can be kicked)
 * @param metrics the figures to push
 * @returns `close()` to stop the feed
 */
export function attachAdmin(admin: Namespace, main: Namespace, metrics: Metrics): { close(): void } {
  const push = () => {
    if (admin.adapter.rooms.get(DASHBOARDS)?.size) admin.to(DASHBOARDS).emit('snapshot', metrics.snapshot());
  };
  metrics.onChange(push);
  const timer = setInterval(() => {
    metrics.tick();
    push();
  }, 1000);

  admin.on('connection', (socket: Socket) => {
    expireWithToken(socket);
    socket.join([DASHBOARDS, USER_ROOM_PREFIX + (socket.data as SocketData).user.name]);
    socket.emit('snapshot', metrics.snapshot());
    socket.on('kick', (id: unknown, reply: (res: { ok: boolean }) => void) => {
      let found = false;
      for (const s of main.sockets.values()) {
        if (s.conn.id === id) {
          found = true;
          s.disconnect(true);
          break;
        }
      }
      if (typeof reply === 'function') reply({ ok: found });
    });
  });

  return {
    close() {
      clearInterval(timer);
      metrics.close();
    },
  };
}

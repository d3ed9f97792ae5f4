/**
 * The plain `ws` targets: the same application as the Socket.IO targets over raw WebSocket
 * frames carrying the same Socket.IO event strings (`42["echo",…]`, `420["join","room"]` →
 * `430[]`), without the Engine.IO / Socket.IO handshake, heartbeat or namespaces. Each
 * event is parsed with `JSON.parse` and answered with `JSON.stringify`, as a plain
 * WebSocket application would; a broadcast is encoded once and sent to every room member.
 *
 * With `batched`, each socket's writes within one tick are corked and flushed together on
 * the next tick (one `writev` instead of one write per frame).
 */
import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { TargetHandle } from './harness.js';

/** Raw WebSocket with the underlying TCP socket (a private field of `ws`). */
type RawWebSocket = WebSocket & { _socket: Socket; corked?: boolean };

const rooms = new Map<string, Set<RawWebSocket>>();
const joined = new WeakMap<RawWebSocket, string[]>();

/** Text frames, also for a pre-encoded Buffer. */
const TEXT = { binary: false };

function uncork(ws: RawWebSocket): void {
  ws.corked = false;
  ws._socket.uncork();
}

/**
 * Attaches the plain WebSocket application to an HTTP server.
 * @param http server to attach to
 * @param batched cork each socket's writes per tick
 */
export function attachWsApp(http: HttpServer, batched: boolean): TargetHandle {
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });

  const send = batched
    ? (ws: RawWebSocket, data: string | Buffer): void => {
        if (!ws.corked) {
          ws.corked = true;
          ws._socket.cork();
          process.nextTick(uncork, ws);
        }
        ws.send(data, TEXT);
      }
    : (ws: RawWebSocket, data: string | Buffer): void => ws.send(data, TEXT);

  function onPacket(ws: RawWebSocket, packet: string): void {
    if (packet.charCodeAt(0) !== 0x34 /* 4 */ || packet.charCodeAt(1) !== 0x32 /* 2 */) {
      ws.close(1003);
      return;
    }
    let i = 2;
    while (i < packet.length && packet.charCodeAt(i) >= 0x30 && packet.charCodeAt(i) <= 0x39) i++;
    const ackId = i > 2 ? packet.slice(2, i) : '';
    const args = JSON.parse(packet.slice(i)) as unknown[];
    switch (args[0]) {
      case 'echo':
        send(ws, '42' + JSON.stringify(['echo', args[1]]));
        break;
      case 'broadcast': {
        const members = rooms.get('room');
        if (!members) return;
        const frame = Buffer.from('42' + JSON.stringify(['tick', args[1]]));
        for (const member of members) send(member, frame);
        break;
      }
      case 'join': {
        const room = String(args[1]);
        let members = rooms.get(room);
        if (!members) rooms.set(room, (members = new Set()));
        members.add(ws);
        const list = joined.get(ws);
        if (list) list.push(room);
        else joined.set(ws, [room]);
        if (ackId) send(ws, '43' + ackId + '[]');
        break;
      }
      default:
        break;
    }
  }

  wss.on('connection', (socket) => {
    const ws = socket as RawWebSocket;
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      try {
        onPacket(ws, data.toString());
      } catch {
        ws.close(1003);
      }
    });
    ws.on('close', () => {
      for (const room of joined.get(ws) ?? []) rooms.get(room)?.delete(ws);
    });
  });

  return {
    broadcastAll: (payload) => {
      const frame = Buffer.from('42' + JSON.stringify(['tick', payload]));
      for (const client of wss.clients) send(client as RawWebSocket, frame);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

/**
 * A raw WebSocket peer speaking Engine.IO/Socket.IO by hand, to send what a well-behaved client never would.
 */
import WebSocket from 'ws';

export interface RawPeer {
  ws: WebSocket;
  /** Every message received, in order (text as string, binary as Buffer). */
  messages: Array<string | Buffer>;
  /**
   * Waits for the next message matching a predicate (skipping server pings unless asked).
   * @param match predicate on text messages
   * @param ms fails after this delay
   */
  next(match?: (msg: string) => boolean, ms?: number): Promise<string>;
  /** Resolves with the close code once the socket is closed. */
  closed: Promise<number>;
  send(data: string | Buffer): void;
  close(): void;
}

/**
 * Opens a WebSocket-only Engine.IO session and waits for the open packet.
 * @param port the server port
 * @param query extra query string (without `?`)
 * @param answerPings whether to answer the server's pings
 */
export async function openRaw(port: number, query = '', answerPings = true): Promise<RawPeer> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket${query ? '&' + query : ''}`);
  const messages: Array<string | Buffer> = [];
  const waiters: Array<{ match: (m: string) => boolean; resolve: (m: string) => void; from: number }> = [];
  let cursor = 0;
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('message', (data, isBinary) => {
    const msg = isBinary ? (data as Buffer) : data.toString();
    if (msg === '2' && answerPings) ws.send('3');
    messages.push(msg);
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters[i]!;
      if (typeof msg === 'string' && w.match(msg)) {
        waiters.splice(i, 1);
        w.resolve(msg);
        break;
      }
    }
  });
  const peer: RawPeer = {
    ws,
    messages,
    closed,
    next(match = (m) => m !== '2', ms = 2000) {
      // a matching message already received and not consumed
      for (; cursor < messages.length; cursor++) {
        const m = messages[cursor]!;
        if (typeof m === 'string' && match(m)) {
          cursor++;
          return Promise.resolve(m);
        }
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('raw peer: no matching message')), ms);
        waiters.push({
          match,
          from: cursor,
          resolve: (m) => {
            clearTimeout(timer);
            cursor = messages.length;
            resolve(m);
          },
        });
      });
    },
    send(data) {
      ws.send(data);
    },
    close() {
      ws.terminate();
    },
  };
  const open = await peer.next((m) => m.startsWith('0'));
  if (!open.startsWith('0{')) throw new Error('unexpected open packet ' + open);
  return peer;
}

// Writes docs/images/admin-ui.png: the official admin UI (served locally) showing a Socketeer server with a few
// clients on both transports, in rooms. Run: npx tsx test/admin-ui/screenshot.ts
import { mkdirSync } from 'node:fs';
import { io as ioc, type Socket as ClientSocket } from 'socket.io-client';
import { startAdminServer, startUiServer, until } from './fixture.js';
import { connectUi, launchChromium, navigate, openUi } from './ui.js';

const PATH = '/socket.io';
const out = new URL('../../docs/images/', import.meta.url);
mkdirSync(out, { recursive: true });

const server = await startAdminServer({
  serverId: 'socketeer-1',
  setup: (io) => {
    io.on('connection', (socket) => {
      const room = socket.handshake.query.room;
      if (typeof room === 'string') socket.join(room);
      socket.on('chat', (text: string) => io.to('lobby').emit('chat', text));
    });
  },
});
const ui = await startUiServer();
const clients: ClientSocket[] = [];
for (const [room, transports] of [['lobby', ['websocket']], ['lobby', ['polling']], ['support', ['websocket']], ['support', ['polling', 'websocket']]] as const) {
  const c = ioc(server.url, { forceNew: true, path: PATH, query: { room }, transports: [...transports] });
  clients.push(c);
}
await until(() => clients.every((c) => c.connected), 'clients connected');
const browser = await launchChromium();
try {
  const page = await openUi(browser, ui.url);
  await page.setViewportSize({ width: 1280, height: 760 });
  await connectUi(page, server.url, PATH);
  await page.locator('.v-dialog--active').waitFor({ state: 'detached', timeout: 15000 });
  for (let i = 0; i < 5; i++) clients[i % clients.length]!.emit('chat', `hello ${i}`);
  await navigate(page, 'Sockets');
  await page.locator('tr', { hasText: clients[0]!.id! }).waitFor({ timeout: 15000 });
  await page.waitForTimeout(500);
  await page.screenshot({ path: new URL('admin-ui.png', out).pathname });
  console.log('wrote docs/images/admin-ui.png');
} finally {
  await browser.close();
  for (const c of clients) c.close();
  await server.close();
  await ui.close();
}

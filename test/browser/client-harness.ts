/**
 * Browser test harness: headless Chromium (the Debian package, never a downloaded build)
 * through playwright-core, and a tiny page server on its own origin.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Launches headless Chromium.
 * @throws Error telling to install the Debian package when the binary is missing
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install the Debian package "chromium" (apt-get install -y chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page server. */
export interface PageServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves a page at `/` (with a `Set-Cookie` so that the browser holds a cookie for this host).
 * @param html returns the page, at each request
 * @param cookie `name=value` to set
 */
export async function startPageServer(html: () => string, cookie = 'session=browser-abc'): Promise<PageServer> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/' || req.url?.startsWith('/?')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Set-Cookie': `${cookie}; Path=/; SameSite=Lax` });
      res.end(html());
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

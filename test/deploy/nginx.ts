/**
 * Debian's nginx as an unprivileged child process of a test: its own prefix, pid file, logs and temporary
 * paths in a temporary folder, listening on a free port of 127.0.0.1, with an `http`-level configuration taken
 * from docs/deploy.md so that the documented configuration is the tested one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's nginx. */
export const NGINX = '/usr/sbin/nginx';

/** The deployment guide. */
export const DEPLOY_DOC = new URL('../../docs/deploy.md', import.meta.url);

/**
 * The fenced `nginx` block of a Markdown document whose first line is `firstLine`.
 * @param markdown the document
 * @param firstLine the block's first line (a comment naming the file)
 * @returns the block's text, without the fences
 * @throws Error when there is no such block, or more than one
 */
export function nginxBlock(markdown: string, firstLine: string): string {
  const blocks = [...markdown.matchAll(/^```nginx\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  const found = blocks.filter((b) => b.split('\n', 1)[0]!.trim() === firstLine);
  if (found.length !== 1) throw new Error(`expected one nginx block starting with "${firstLine}", found ${found.length}`);
  return found[0]!;
}

/**
 * Replaces the single occurrence of a text; fails loudly when the text is absent or repeated, so a change of the
 * documented configuration cannot silently leave the test on another one.
 */
export function replaceOnce(text: string, from: string | RegExp, to: string): string {
  const re = typeof from === 'string' ? new RegExp(from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g') : new RegExp(from.source, 'g' + from.flags.replace('g', ''));
  const n = [...text.matchAll(re)].length;
  if (n !== 1) throw new Error(`expected "${String(from)}" once in the configuration, found ${n} times`);
  return text.replace(re, () => to);
}

/** Removes the lines that contain `needle` (at least one must). */
export function dropLines(text: string, needle: string): string {
  const lines = text.split('\n');
  const kept = lines.filter((l) => !l.includes(needle));
  if (kept.length === lines.length) throw new Error(`no line with "${needle}" in the configuration`);
  return kept.join('\n');
}

/** A free TCP port of 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A running nginx. */
export interface Nginx {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** the whole configuration file it runs */
  config: string;
  /** its access log so far (combined format) */
  accessLog(): string;
  /** its error log so far */
  errorLog(): string;
  /** Stops it (SIGQUIT: graceful, then SIGKILL) and removes its folder. */
  close(): Promise<void>;
}

/**
 * Starts nginx in the foreground (`daemon off`) with an `http`-level configuration.
 * @param httpBlock what goes inside `http { }`; `{{port}}` is replaced by the chosen port
 * @throws Error when the nginx binary is missing (install Debian's `nginx`), or when it does not start
 */
export async function startNginx(httpBlock: string): Promise<Nginx> {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: install Debian's nginx (apt-get install nginx, or run .ci/run)`);
  const dir = mkdtempSync(join(tmpdir(), 'socketeer-nginx-'));
  // run by root, nginx's workers switch to `nobody`: they must reach the temporary paths inside this folder
  chmodSync(dir, 0o755);
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const config = [
    'daemon off;',
    'worker_processes 1;',
    asRoot ? 'user nobody nogroup;' : '',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log notice;`,
    'events { worker_connections 512; }',
    'http {',
    `  access_log ${dir}/access.log;`,
    `  client_body_temp_path ${dir}/body;`,
    `  proxy_temp_path ${dir}/proxy;`,
    `  fastcgi_temp_path ${dir}/fastcgi;`,
    `  uwsgi_temp_path ${dir}/uwsgi;`,
    `  scgi_temp_path ${dir}/scgi;`,
    httpBlock.replaceAll('{{port}}', String(port)),
    '}',
    '',
  ].join('\n');
  const confFile = join(dir, 'nginx.conf');
  writeFileSync(confFile, config);
  const child: ChildProcess = spawn(NGINX, ['-p', dir + '/', '-c', confFile, '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      return '';
    }
  };
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGQUIT');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const end = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      const log = read('error.log') + stderr;
      await close();
      throw new Error(`nginx exited with ${child.exitCode}:\n${log}\n${config}`);
    }
    if (await accepts(port)) break;
    if (Date.now() > end) {
      const log = read('error.log') + stderr;
      await close();
      throw new Error(`nginx did not listen on ${port}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `http://127.0.0.1:${port}`, port, config, accessLog: () => read('access.log'), errorLog: () => read('error.log'), close };
}

/** Whether something accepts TCP connections on a port of 127.0.0.1. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

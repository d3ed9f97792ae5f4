#!/usr/bin/env node
// Runs every test suite with Node's built-in runner (TypeScript through tsx).
// Usage: npm test [-- <path filter> ...]   e.g. npm test -- src/protocol test/engine
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { ensureClientBundles } from './build-client.mjs';

const root = new URL('..', import.meta.url).pathname;
const roots = ['src', 'test', 'examples', 'bench'];
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.test\.ts$/.test(name)) files.push(relative(root, p));
  }
}
for (const r of roots) { try { walk(join(root, r)); } catch { /* folder absent */ } }
const filters = process.argv.slice(2);
const selected = files.sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (selected.length === 0) { console.error('no test files matched'); process.exit(1); }

// the server serves dist/client-bundle/ and never builds it: build it from the current sources first
await ensureClientBundles();

const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000', ...selected];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : code ?? 1));

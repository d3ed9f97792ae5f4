// The chat on several processes in Chromium: two users through the round-robin proxy (no affinity; one of them
// on long-polling only, so its requests are forwarded between nodes), and the dashboard's Nodes table.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startCluster, type Cluster } from '../../examples/chat/cluster.js';
import { launchChromium, screenshot, signIn, type UserPage } from './chat-harness.js';

let cluster: Cluster;
let browser: Browser;
let alice: UserPage;
let bob: UserPage;

before(async () => {
  cluster = await startCluster({ port: 0 });
  browser = await launchChromium();
  alice = await signIn(browser, cluster.url, 'alice');
  bob = await signIn(browser, cluster.url, 'bob', '?transport=polling');
});

after(async () => {
  await browser?.close();
  await cluster?.close();
});

test('two users chat through the proxy, the polling one across nodes', async () => {
  await alice.page.waitForSelector('#members li[data-user="bob"]');
  await alice.page.fill('#input', 'Hello from whichever node');
  await alice.page.press('#input', 'Enter');
  await alice.page.waitForSelector('#messages li.message.mine[data-state="delivered"]');
  await bob.page.waitForSelector('#messages li.message[data-from="alice"] .text:text("whichever node")');
  await bob.page.fill('#input', 'Received over long-polling');
  await bob.page.press('#input', 'Enter');
  await alice.page.waitForSelector('#messages li.message[data-from="bob"] .text:text("long-polling")');
  assert.deepEqual(alice.errors, []);
  assert.deepEqual(bob.errors, []);
});

test('the dashboard lists the 3 nodes and the clients of every node', async () => {
  const dashboard = await alice.context.newPage();
  await dashboard.goto(cluster.url + '/dashboard');
  await dashboard.waitForSelector('#nodes-panel:not([hidden])');
  await dashboard.waitForFunction(() => document.querySelectorAll('#nodes tr').length === 3);
  const nodes = await dashboard.$$eval('#nodes tr', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.node));
  assert.deepEqual(nodes, ['node-1', 'node-2', 'node-3']);
  await dashboard.waitForSelector('#clients tr[data-user="bob"][data-transport="polling"]');
  await dashboard.waitForSelector('#clients tr[data-user="alice"]');
  await screenshot(dashboard, 'dashboard-cluster');
  await dashboard.close();
});

test('presence across nodes: the members list and the dashboard follow users on other nodes; tabs of one user are one member', { timeout: 240_000 }, async () => {
  const [n1, , n3] = cluster.nodes;
  // one more tab of each user, each straight on another node
  const aliceOnNode1 = await signIn(browser, n1!.url, 'alice');
  const bobOnNode3 = await signIn(browser, n3!.url, 'bob');
  await aliceOnNode1.page.waitForSelector('#members li[data-user="bob"]');
  const dashboard = await alice.context.newPage();
  await dashboard.goto(cluster.url + '/dashboard');
  await dashboard.waitForFunction(() => document.querySelector('#k-present')?.textContent === '2');
  assert.equal(await aliceOnNode1.page.locator('#members li[data-user="bob"]').count(), 1, 'two tabs, one member');
  assert.equal(await aliceOnNode1.page.locator('#members li[data-user="alice"]').count(), 1);
  await screenshot(aliceOnNode1.page, 'chat-cluster-presence');
  // bob's tab on node-3 closes: he is still here through his other tab
  await bobOnNode3.context.close();
  await bob.page.waitForTimeout(300);
  assert.equal(await aliceOnNode1.page.locator('#members li[data-user="bob"]').count(), 1);
  // his last tab closes: he leaves every node's list (his long-polling session behind the proxy may only end by
  // the heartbeat, 45 s at most, on a busy machine)
  await bob.context.close();
  await aliceOnNode1.page.waitForSelector('#members li[data-user="bob"]', { state: 'detached', timeout: 60_000 });
  await alice.page.waitForSelector('#members li[data-user="bob"]', { state: 'detached', timeout: 60_000 });
  await dashboard.waitForFunction(() => document.querySelector('#k-present')?.textContent === '1');
  assert.deepEqual(aliceOnNode1.errors, []);
  await dashboard.close();
  await aliceOnNode1.context.close();
});

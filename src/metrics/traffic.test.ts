import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeSocketPacket, PacketType } from '../protocol/index.js';
import { Registry } from './registry.js';
import { TrafficProbe } from './traffic.js';

function probe(opts: ConstructorParameters<typeof TrafficProbe>[2] = {}) {
  const registry = new Registry();
  const refusals = registry.counter('t_handshakes_refused_total', 'r', ['stage', 'reason']);
  return { registry, refusals, probe: new TrafficProbe(registry, 't_', opts, refusals) };
}

function sample(text: string, line: string): number {
  const found = text.split('\n').find((l) => l.startsWith(line + ' '));
  return found === undefined ? NaN : Number(found.slice(line.length + 1));
}

test('counts events and bytes by namespace from the encoded headers, attachments included', async () => {
  const { registry, probe: p } = probe({ eventNames: ['chat'] });
  const link = {};
  const [header, attachment] = encodeSocketPacket({ type: PacketType.EVENT, nsp: '/chat', data: ['chat', new Uint8Array(10)] }) as [string, Uint8Array];
  assert.match(header, /^51-\/chat,/);
  p.received(link, header);
  p.received(link, attachment);
  p.received(link, '2/chat,["other","é"]');
  p.received(link, '2["chat","x"]');
  p.sent(link, ['2/chat,["chat",1]']);
  p.sent(link, '0/chat,{"sid":"x"}');
  const text = await registry.metrics();
  assert.equal(sample(text, 't_messages_received_total{namespace="/chat"}'), 2);
  assert.equal(sample(text, 't_received_bytes_total{namespace="/chat"}'), Buffer.byteLength(header) + 10 + Buffer.byteLength('2/chat,["other","é"]'));
  assert.equal(sample(text, 't_messages_received_total{namespace="/"}'), 1);
  assert.equal(sample(text, 't_events_received_total{namespace="/chat",event="chat"}'), 1);
  assert.equal(sample(text, 't_events_received_total{namespace="/chat",event="(other)"}'), 1);
  assert.equal(sample(text, 't_messages_sent_total{namespace="/chat"}'), 1);
  assert.equal(sample(text, 't_sent_bytes_total{namespace="/chat"}'), '2/chat,["chat",1]'.length + '0/chat,{"sid":"x"}'.length);
});

test('times acknowledgements per connection and namespace; caps the namespace labels', async () => {
  const { registry, refusals, probe: p } = probe({ maxNamespaces: 2 });
  const a = {};
  const b = {};
  p.sent(a, '2/chat,7["q"]');
  p.sent(b, '2/chat,7["q"]');
  p.received(b, '3/chat,7[1]');
  p.received(a, '3/chat,8[1]'); // not awaited
  p.received(a, '2/x,["e"]');
  p.received(a, '2/y,["e"]'); // over the cap of 2 namespaces ('/' and '/chat'): '*'
  p.refused('/admin', 'middleware');
  const text = await registry.metrics();
  assert.equal(sample(text, 't_ack_round_trip_seconds_count{namespace="/chat"}'), 1);
  assert.equal(sample(text, 't_messages_received_total{namespace="*"}'), 2);
  assert.equal(refusals.get(['namespace', 'middleware']), 1);
});

test('a custom parser: every byte counted under *', async () => {
  const { registry, probe: p } = probe({ opaque: true });
  p.received({}, new Uint8Array(5));
  p.sent({}, new Uint8Array(7));
  p.sent({}, '2["not parsed"]');
  const text = await registry.metrics();
  assert.equal(sample(text, 't_received_bytes_total{namespace="*"}'), 5);
  assert.equal(sample(text, 't_sent_bytes_total{namespace="*"}'), 7 + 15);
  assert.equal(sample(text, 't_messages_sent_total{namespace="*"}'), 0);
});

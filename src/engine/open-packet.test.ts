import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { openPacketData } from './open-packet.js';

describe('openPacketData', () => {
  test('equals the JSON of the open packet, for each list of upgrades and after the options change', () => {
    const opts = { pingInterval: 25000, pingTimeout: 20000, maxHttpBufferSize: 1e6 };
    const expected = (sid: string, upgrades: string[]) =>
      JSON.stringify({ sid, upgrades, pingInterval: opts.pingInterval, pingTimeout: opts.pingTimeout, maxPayload: opts.maxHttpBufferSize });
    assert.equal(openPacketData('abc', opts, ['websocket']), expected('abc', ['websocket']));
    assert.equal(openPacketData('def', opts, []), expected('def', []));
    assert.equal(openPacketData('ghi', opts, ['websocket']), expected('ghi', ['websocket']));
    assert.equal(openPacketData('a"b\\c', opts, []), expected('a"b\\c', []));
    opts.pingInterval = 1000;
    opts.maxHttpBufferSize = 5;
    assert.equal(openPacketData('jkl', opts, ['websocket']), expected('jkl', ['websocket']));
    assert.deepEqual(JSON.parse(openPacketData('x', opts, ['websocket'])), {
      sid: 'x',
      upgrades: ['websocket'],
      pingInterval: 1000,
      pingTimeout: 20000,
      maxPayload: 5,
    });
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { negotiateEncoding } from './accept-encoding.js';

// `accepts` as the reference server resolves it (it is what socket.io and engine.io call)
const requireFromSocketIo = createRequire(createRequire(import.meta.url).resolve('socket.io'));
const accepts = requireFromSocketIo('accepts') as (req: { headers: Record<string, string | undefined> }) => {
  encodings(list: string[]): string | false;
};

/** The reference's choice for a header. */
function reference(header: string | undefined, supported: string[]): string | null {
  return accepts({ headers: { 'accept-encoding': header } }).encodings(supported) || null;
}

const SERVED = ['br', 'gzip', 'deflate'];
const POLLING = ['gzip', 'deflate'];

test('Accept-Encoding: order, q-values, wildcards and refusals as the reference decides', () => {
  const table: Array<[string | undefined, string | null]> = [
    [undefined, null],
    ['', null],
    ['identity', null],
    ['gzip', 'gzip'],
    ['br', 'br'],
    ['deflate', 'deflate'],
    ['gzip, br', 'gzip'],
    ['br, gzip', 'br'],
    ['gzip, deflate, br', 'gzip'],
    ['gzip;q=0.5, br', 'br'],
    ['gzip;q=0.5, br;q=0.5', 'gzip'],
    ['*', 'br'],
    ['*;q=0', null],
    ['*, gzip', 'gzip'],
    ['gzip;q=0, *', 'br'],
    ['br;q=0, *', 'gzip'],
    ['*;q=0.5, deflate', 'deflate'],
    ['gzip;q=0', null],
    ['GZIP', 'gzip'],
    ['gzip;q=abc, deflate', 'deflate'],
    ['gzip ; q=0.9, deflate;q=0.8', 'gzip'],
    ['gzip;level=1;q=0, deflate', 'deflate'],
    ['x-gzip, compress', null],
    [',,gzip,,', 'gzip'],
  ];
  for (const [header, expected] of table) {
    assert.equal(reference(header, SERVED), expected, `reference, ${header}`);
    assert.equal(negotiateEncoding(header, SERVED), expected, `ours, ${header}`);
  }
});

test('Accept-Encoding: any header gets the reference choice (served client and polling lists)', () => {
  const coding = fc.constantFrom('gzip', 'GZip', 'br', 'deflate', 'identity', '*', 'x-gzip', 'compress', '');
  const q = fc.oneof(
    fc.constant(''),
    fc.constantFrom(';q=0', ';q=1', ';q=0.5', ';q=0.50', ';q=0.001', ';q=x', ';q=', ';level=1', ';level=1;q=0.3', ' ; q=0.7', ';q =0'),
  );
  const entry = fc.tuple(fc.constantFrom('', ' ', '  '), coding, q).map(([sp, c, p]) => sp + c + p);
  const header = fc.array(entry, { maxLength: 6 }).map((parts) => parts.join(','));
  fc.assert(
    fc.property(header, (h) => {
      assert.equal(negotiateEncoding(h, SERVED), reference(h, SERVED), h);
      assert.equal(negotiateEncoding(h, POLLING), reference(h, POLLING), h);
    }),
    { numRuns: 3000 },
  );
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CookieJar, parseSetCookie } from './cookie-jar.js';

describe('parseSetCookie', () => {
  it('reads name, value and ignores flags', () => {
    assert.deepEqual(parseSetCookie('io=abc; Path=/; HttpOnly; SameSite=Lax'), { name: 'io', value: 'abc' });
  });

  it('removes double quotes and keeps "=" in values', () => {
    assert.deepEqual(parseSetCookie('a="x=y"'), { name: 'a', value: 'x=y' });
  });

  it('rejects values without a name', () => {
    assert.equal(parseSetCookie('novalue'), undefined);
    assert.equal(parseSetCookie('=x'), undefined);
  });

  it('computes expiry from Max-Age (which wins over Expires) and Expires', () => {
    const now = 1_000_000;
    assert.equal(parseSetCookie('a=1; Max-Age=10', now)!.expires!.getTime(), now + 10_000);
    assert.equal(parseSetCookie('a=1; max-age=0', now)!.expires!.getTime(), 0);
    assert.equal(parseSetCookie('a=1; Max-Age=junk', now)!.expires!.getTime(), 0);
    assert.equal(parseSetCookie('a=1; Max-Age=10; Expires=Thu, 01 Jan 1970 00:00:00 GMT', now)!.expires!.getTime(), now + 10_000);
    assert.equal(parseSetCookie('a=1; Expires=Wed, 21 Oct 2099 07:28:00 GMT', now)!.expires!.toISOString(), '2099-10-21T07:28:00.000Z');
    assert.equal(parseSetCookie('a=1; Expires=garbage', now)!.expires!.getTime(), 0);
  });
});

describe('CookieJar', () => {
  it('replays stored cookies, replacing by name', () => {
    const jar = new CookieJar();
    jar.parseCookies(['io=1; Path=/', 'lb=a']);
    jar.parseCookies(['io=2']);
    assert.deepEqual(jar.cookiePairs(), ['io=2', 'lb=a']);
  });

  it('drops expired cookies and honours deletions', () => {
    const jar = new CookieJar();
    jar.parseCookies(['a=1', 'b=2; Expires=Thu, 01 Jan 1970 00:00:00 GMT']);
    assert.deepEqual(jar.cookiePairs(), ['a=1']);
    jar.parseCookies(['a=; Max-Age=0']);
    assert.deepEqual(jar.cookiePairs(), []);
  });

  it('ignores a missing header', () => {
    const jar = new CookieJar();
    jar.parseCookies(undefined);
    assert.deepEqual(jar.cookiePairs(), []);
  });
});

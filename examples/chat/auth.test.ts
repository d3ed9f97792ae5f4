import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { AuthError, ChatAuth } from './auth.js';

test('seeded users sign in with their password only', async () => {
  const auth = new ChatAuth();
  assert.deepEqual(await auth.checkPassword('alice', 'alice-password'), { name: 'alice', role: 'admin' });
  assert.deepEqual(await auth.checkPassword('bob', 'bob-password'), { name: 'bob', role: 'user' });
  assert.equal(await auth.checkPassword('alice', 'bob-password'), null);
  assert.equal(await auth.checkPassword('nobody', 'whatever-password'), null);
  assert.equal(await auth.checkPassword('alice', undefined), null);
});

test('sign-up validates names and passwords and refuses taken names', async () => {
  const auth = new ChatAuth();
  assert.deepEqual(await auth.addUser('carol', 'carol-password'), { name: 'carol', role: 'user' });
  assert.ok(await auth.checkPassword('carol', 'carol-password'));
  const code = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      assert.ok(err instanceof AuthError);
      return `${err.code} ${err.status}`;
    }
    return 'no error';
  };
  assert.equal(await code(() => auth.addUser('carol', 'another-password')), 'NAME_TAKEN 409');
  assert.equal(await code(() => auth.addUser('Bad Name', 'long-enough')), 'BAD_USERNAME 400');
  assert.equal(await code(() => auth.addUser('dave', 'short')), 'WEAK_PASSWORD 400');
});

test('tokens verify, carry the role, and are refused when expired, tampered or foreign', async () => {
  const auth = new ChatAuth({ tokenTtlSeconds: 60 });
  const issued = await auth.issueToken({ name: 'alice', role: 'admin' });
  const claims = await auth.verifyToken(issued.token);
  assert.equal(claims.name, 'alice');
  assert.equal(claims.role, 'admin');
  assert.equal(claims.expiresAt, issued.expiresAt);
  assert.ok(issued.expiresAt > Date.now() + 58_000);

  const refused = async (token: unknown) => {
    try {
      await auth.verifyToken(token);
      return 'accepted';
    } catch (err) {
      return (err as AuthError).code;
    }
  };
  assert.equal(await refused(undefined), 'NO_TOKEN');
  assert.equal(await refused(''), 'NO_TOKEN');
  assert.equal(await refused('not.a.jwt'), 'BAD_TOKEN');
  const [h, p, s] = issued.token.split('.');
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), role: 'admin', sub: 'bob' }));
  assert.equal(await refused(`${h}.${forged.toString('base64url')}.${s}`), 'BAD_TOKEN');
  const other = await new ChatAuth().issueToken({ name: 'alice', role: 'admin' });
  assert.equal(await refused(other.token), 'BAD_TOKEN', 'signed with another secret');

  const secret = new Uint8Array(32).fill(7);
  const fixed = new ChatAuth({ secret });
  const old = await new SignJWT({ role: 'user' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('socketeer-chat')
    .setSubject('bob')
    .setJti('x')
    .setExpirationTime(Math.floor(Date.now() / 1000) - 5)
    .sign(secret);
  assert.equal(await (async () => fixed.verifyToken(old).then(() => 'accepted', (e: AuthError) => e.code))(), 'TOKEN_EXPIRED');
});

test('refresh sessions name a user until closed', async () => {
  const auth = new ChatAuth();
  const id = await auth.openSession({ name: 'bob', role: 'user' });
  assert.deepEqual(await auth.sessionUser(id), { name: 'bob', role: 'user' });
  assert.equal(await auth.sessionUser('unknown'), null);
  assert.equal(await auth.sessionUser(undefined), null);
  await auth.closeSession(id);
  assert.equal(await auth.sessionUser(id), null);
});

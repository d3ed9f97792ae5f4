// The chat page: sign-in, then one Socketeer connection with in-place credential refresh
// (`SocketeerAuth.enableCredentialsRefresh`: a new access token from POST /api/token whenever the server asks, over
// the open connection). Rooms, acked messages, volatile typing, presence, pasted images as binary, a down banner.
import { ApiError, Session } from './session.js';
import { avatar, el, formatTime, hideBanner, setConn, showBanner, updateTransport } from './ui.js';
import { Outbox } from './outbox.js';
import { afterDisconnect, RECONNECTING, sessionEnded } from './reasons.js';

const $ = (id) => document.getElementById(id);
const session = new Session();
const MAX_IMAGE = 512 * 1024;
// ---------- sign-in ----------
let mode = 'login';
function setMode(m) {
  mode = m;
  $('tab-login').setAttribute('aria-selected', String(m === 'login'));
  $('tab-signup').setAttribute('aria-selected', String(m === 'signup'));
  $('auth-submit').textContent = m === 'login' ? 'Sign in' : 'Create account';
  $('password').autocomplete = m === 'login' ? 'current-password' : 'new-password';
  $('signup-hint').hidden = m !== 'signup';
  showAuthError(null);
}
function showAuthError(msg) {
  $('auth-error').hidden = !msg;
  $('auth-error').textContent = msg || '';
}
$('tab-login').onclick = () => setMode('login');
$('tab-signup').onclick = () => setMode('signup');
for (const a of document.querySelectorAll('.demo-user .avatar')) avatar(a, a.dataset.name);
for (const b of document.querySelectorAll('.demo-user')) {
  b.onclick = () => {
    setMode('login');
    $('username').value = b.dataset.user;
    $('password').value = b.dataset.password;
    $('auth-submit').focus();
  };
}
$('auth-form').onsubmit = async (e) => {
  e.preventDefault();
  const username = $('username').value.trim().toLowerCase();
  const password = $('password').value;
  if (!username || !password) return showAuthError('Enter a username and a password.');
  $('auth-submit').disabled = true;
  try {
    await (mode === 'login' ? session.login(username, password) : session.signup(username, password));
    $('password').value = '';
    enterChat();
  } catch (err) {
    showAuthError(err.message);
  } finally {
    $('auth-submit').disabled = false;
  }
};

function showSignIn(message) {
  $('app').hidden = true;
  $('signin').hidden = false;
  showAuthError(message || null);
  $('username').focus();
}

// ---------- chat state ----------
let socket = null;
let expired = false;
let firstConnect = true;
let refusals = 0; // refused CONNECTs in a row
let refreshes = 0; // tokens refreshed in place on this page
const joined = new Map(); // room -> { messages: [], unread, users: [] }
let active = null;
let roomList = [];
const typingUsers = new Map(); // room -> Map(user -> timeout)
// messages on their way: sent in order with acks, kept while disconnected, refused ones shown with a Retry
const outbox = new Outbox({
  render: (local, state) => appendMessage(local, state),
  onDelivered: (local) => joined.get(local.room)?.messages.push(local),
  anchor: $('composer'),
});
// a banner that says why the connection ended stays up until the connection is back
let reasonShown = false;

function enterChat() {
  const next = new URLSearchParams(location.search).get('next');
  if (next === '/dashboard' && session.user.role === 'admin') return location.assign('/dashboard');
  $('signin').hidden = true;
  $('app').hidden = false;
  $('me-name').textContent = session.user.name;
  $('me-role').textContent = session.user.role;
  $('me-role').classList.toggle('tag-admin', session.user.role === 'admin');
  avatar($('me-avatar'), session.user.name);
  $('dashboard-link').hidden = session.user.role !== 'admin';
  connect();
}

function connect() {
  // `?transport=polling` keeps this page on HTTP long-polling (to watch it on the dashboard)
  const only = new URLSearchParams(location.search).get('transport');
  // the refresh helper announces the extension: the server then asks for a new token ~20 s before expiry
  socket = SocketeerAuth.enableCredentialsRefresh(
    io({
      autoConnect: false,
      transports: only === 'polling' || only === 'websocket' ? [only] : undefined,
      // at-least-once messages: an emit waits for its ack (10 s), and goes again (after a reconnection if need be)
      ackTimeout: 10000,
      retries: 5,
      // called before every CONNECT (a token good for at least half its lifetime) and at every refresh in
      // place (the socket is connected then: always a new token from POST /api/token)
      auth: (cb) =>
        session.fresh(Boolean(socket && socket.connected)).then(
          // the rooms this page is in (the default room on a first connection): the server puts the socket in
          // them at once, before the messages the outbox sends (again, or typed before signing in again)
          (token) => cb({ token, rooms: firstConnect ? ['general'] : [...joined.keys()] }),
          (err) => {
            if (err instanceof ApiError && err.status === 401) return signedOut('Your session ended. Please sign in again.');
            cb({});
          },
        ),
    }),
  );
  const manager = socket.io;

  outbox.attach(socket);
  socket.on('connect', () => {
    expired = false;
    refusals = 0;
    reasonShown = false;
    setConn('connected');
    setMembersKnown(true);
    hideBanner();
    outbox.setOnline(true);
    updateTokenInfo();
    // a new connection is in no room: join the default room the first time, the same rooms afterwards
    const rooms = firstConnect ? ['general'] : [...joined.keys()];
    firstConnect = false;
    for (const room of rooms) joinRoom(room, room === (active ?? 'general'));
  });

  // refreshed in place: the connection, its rooms and pending acks carry on
  socket.on('credentials_refresh', () => {
    refreshes++;
    updateTokenInfo();
  });

  // the server refused the new token, or none arrived before expiry: sign in again
  socket.on('credentials_error', (err) => {
    signedOut(sessionEnded(err, socket && socket.disconnectDetails));
  });

  // the fallback of a client without the refresh extension: told before the server disconnects at expiry
  socket.on('session:expired', () => {
    expired = true;
  });

  socket.on('disconnect', (reason) => {
    setConn('disconnected');
    setMembersKnown(false);
    outbox.setOnline(false);
    // the server's details (`socketeer:disconnect`), kept by the client for this disconnection: given just before
    // the DISCONNECT (rate limit, credentials, an admin), or before the connection closed (a restart)
    const next = afterDisconnect(reason, socket.disconnectDetails, expired);
    if (next.action === 'none') return;
    if (next.action === 'signin') return signedOut(next.text);
    reasonShown = next.text !== RECONNECTING;
    if (next.action === 'manual') return showBanner(next.text, next.level, 'Reconnect', () => socket.connect());
    showBanner(next.text, next.level);
    const current = socket;
    if (next.action === 'later') setTimeout(() => current === socket && !socket.connected && socket.connect(), next.after);
    if (next.action === 'renew') session.fresh(true).then(() => socket.connect(), (err) => signedOut(err.message));
  });

  socket.on('connect_error', (err) => {
    setConn('disconnected');
    setMembersKnown(false);
    const code = err.data && err.data.code;
    if (!code) {
      // transport-level failure: the manager retries by itself; the banner says so, in one steady sentence
      if (!reasonShown) showBanner(RECONNECTING, 'warn');
      return;
    }
    if ((code === 'TOKEN_EXPIRED' || code === 'BAD_TOKEN' || code === 'NO_TOKEN') && ++refusals <= 3) {
      // a refused CONNECT is not retried automatically: get a new token first (a few times, then ask)
      showBanner(`Refused: ${err.message} (${code}). Getting a new token…`, 'error');
      setTimeout(() => {
        session.fresh(true).then(() => socket.connect(), (e) => signedOut(e.message));
      }, 500 * refusals);
      return;
    }
    showBanner(`Refused: ${err.message} (${code})`, 'error', 'Retry', () => socket.connect());
  });

  manager.on('reconnect_attempt', () => {
    if (!reasonShown) showBanner(RECONNECTING, 'warn');
  });
  manager.on('open', () => {
    const engine = manager.engine;
    updateTransport(engine.transport.name);
    engine.on('upgrade', (t) => updateTransport(t.name));
  });

  socket.on('rooms', (list) => {
    roomList = list;
    renderRooms();
  });

  socket.on('presence', ({ room, users }) => {
    const r = joined.get(room);
    if (!r) return;
    r.users = users;
    if (room === active) renderMembers();
  });

  socket.on('message', (msg) => {
    const r = joined.get(msg.room);
    if (!r) return;
    clearTyping(msg.room, msg.from);
    r.messages.push(msg);
    if (msg.room === active) appendMessage(msg);
    else {
      r.unread++;
      renderRooms();
    }
  });

  socket.on('typing', ({ room, user, typing }) => {
    if (!joined.has(room)) return;
    let m = typingUsers.get(room);
    if (!m) typingUsers.set(room, (m = new Map()));
    clearTimeout(m.get(user));
    if (typing) m.set(user, setTimeout(() => clearTyping(room, user), 3500));
    else m.delete(user);
    if (room === active) renderTyping();
  });
  socket.connect();
}

function signedOut(message) {
  // signed out on purpose (no message): what was waiting to be sent goes too; otherwise it is sent after signing in
  if (message === undefined) outbox.clear();
  if (socket) {
    socket.disconnect();
    socket.io.engine && socket.io.engine.close();
    socket = null;
  }
  joined.clear();
  active = null;
  firstConnect = true;
  hideBanner();
  showSignIn(message);
}

// ---------- rooms ----------
function joinRoom(room, show = true) {
  socket.timeout(10000).emit('room:join', room, (err, res) => {
    // after a burst the rate limit may refuse the join too: ask again when it allows
    if (!err && res && res.error === 'rate limited') return setTimeout(() => socket && joinRoom(room, show), res.retryAfter || 100);
    if (err || !res.ok) {
      $('join-error').hidden = false;
      $('join-error').textContent = err ? 'No answer from the server' : res.error;
      return;
    }
    $('join-error').hidden = true;
    const known = joined.get(room);
    joined.set(room, { messages: res.history, unread: known ? known.unread : 0, users: res.users });
    if (show || !active) openRoom(room);
    else renderRooms();
  });
}

function leaveRoom(room) {
  socket.emit('room:leave', room, () => {});
  joined.delete(room);
  typingUsers.delete(room);
  if (active === room) {
    const next = joined.keys().next();
    active = null;
    if (!next.done) openRoom(next.value);
    else renderRoom();
  }
  renderRooms();
}

function openRoom(room) {
  active = room;
  const r = joined.get(room);
  r.unread = 0;
  renderRooms();
  renderRoom();
  $('input').focus();
}

function renderRooms() {
  const names = new Set([...roomList.map((r) => r.name), ...joined.keys()]);
  const counts = new Map(roomList.map((r) => [r.name, r.users]));
  const ul = $('rooms');
  ul.replaceChildren();
  for (const name of [...names].sort()) {
    const r = joined.get(name);
    const li = el('li', { className: 'room-item', dataset: { room: name } });
    if (name === active) li.classList.add('active');
    if (r) li.classList.add('joined');
    const btn = el('button', { type: 'button', className: 'room-link' }, [
      el('span', { className: 'hash', textContent: '#' }),
      el('span', { className: 'room-name', textContent: name }),
    ]);
    if (r && r.unread) btn.append(el('span', { className: 'badge', textContent: String(r.unread) }));
    const n = counts.get(name) || 0;
    btn.append(el('span', { className: 'room-users', textContent: n ? String(n) : '', title: `${n} online` }));
    btn.onclick = () => (r ? openRoom(name) : joinRoom(name));
    li.append(btn);
    ul.append(li);
  }
}

function renderRoom() {
  const has = active !== null;
  $('empty').hidden = has;
  $('messages').hidden = !has;
  $('composer').hidden = !has;
  $('leave').hidden = !has;
  $('room-title').textContent = has ? `# ${active}` : 'No room';
  $('input').placeholder = has ? `Message #${active}` : '';
  $('messages').replaceChildren();
  if (has) {
    const { messages } = joined.get(active);
    if (!messages.length) {
      $('messages').append(
        el('li', { className: 'welcome' }, [
          el('b', { textContent: `Welcome to #${active}` }),
          el('span', { textContent: 'No messages yet. Say hello, or paste an image.' }),
        ]),
      );
    }
    for (const msg of messages) appendMessage(msg);
    // messages still on their way, or refused, stay in view
    $('messages').append(...outbox.itemsOf(active));
  }
  renderMembers();
  renderTyping();
}

function renderMembers() {
  const users = active ? joined.get(active).users : [];
  $('members-count').textContent = String(users.length);
  $('room-count').textContent = active ? `${users.length} here` : '';
  $('members').replaceChildren(
    ...users.map((u) =>
      el('li', { className: 'member', dataset: { user: u } }, [
        avatar(el('span', { className: 'avatar' }), u),
        el('span', { textContent: u }),
        u === session.user.name ? el('span', { className: 'muted small', textContent: '(you)' }) : '',
        el('span', { className: 'online', title: 'online' }),
      ]),
    ),
  );
}

// ---------- messages ----------
function appendMessage(msg, state) {
  const list = $('messages');
  const welcome = list.querySelector('.welcome');
  if (welcome) welcome.remove();
  const mine = msg.from === session.user.name;
  const prev = list.lastElementChild;
  const grouped = prev && prev.dataset.from === msg.from && msg.at - Number(prev.dataset.at) < 120000;
  const body = el('div', { className: 'bubble' });
  if (msg.text !== undefined) body.append(el('p', { className: 'text', textContent: msg.text }));
  if (msg.image) {
    const url = URL.createObjectURL(new Blob([msg.image.data], { type: msg.image.type }));
    body.append(el('img', { className: 'image', src: url, alt: msg.image.name || 'image' }));
  }
  const meta = el('span', { className: 'meta' }, [el('time', { textContent: formatTime(msg.at) })]);
  if (mine) meta.append(el('span', { className: 'tick', title: 'Delivered', textContent: '' }));
  body.append(meta);
  const li = el('li', { className: 'message', dataset: { from: msg.from, at: String(msg.at), state: state || 'delivered' } }, [
    grouped ? el('span', { className: 'avatar-space' }) : avatar(el('span', { className: 'avatar' }), msg.from),
    el('div', { className: 'message-body' }, [
      grouped ? '' : el('div', { className: 'author' }, [el('b', { textContent: msg.from })]),
      body,
    ]),
  ]);
  if (mine) li.classList.add('mine');
  if (grouped) li.classList.add('grouped');
  list.append(li);
  list.scrollTop = list.scrollHeight;
  return li;
}

/** Sends through the outbox: the bubble shows a clock until the server acknowledges it, then a tick. */
function sendWithAck(event, payload, local) {
  outbox.send(event, payload, local);
}

$('composer').onsubmit = (e) => {
  e.preventDefault();
  const text = $('input').value.trim();
  if (!text || !active) return;
  $('input').value = '';
  autosize();
  stopTyping();
  sendWithAck('message', { room: active, text }, { room: active, from: session.user.name, at: Date.now(), text });
};

$('input').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey) {
    e.preventDefault();
    $('composer').requestSubmit();
  }
});

function autosize() {
  const t = $('input');
  t.style.height = 'auto';
  t.style.height = Math.min(t.scrollHeight, 160) + 'px';
}

// ---------- typing (volatile: dropped rather than queued when the connection is not writable) ----------
let typingRoom = null;
let typingSentAt = 0;
let typingStop = null;
$('input').addEventListener('input', () => {
  autosize();
  if (!active || !socket) return;
  if (!$('input').value) return stopTyping();
  const now = Date.now();
  // volatile events may be dropped (a busy or polling connection): repeat while the user keeps typing
  if (typingRoom !== active || now - typingSentAt > 1000) {
    typingRoom = active;
    typingSentAt = now;
    socket.volatile.emit('typing', { room: active, typing: true });
  }
  clearTimeout(typingStop);
  typingStop = setTimeout(stopTyping, 2500);
});

function stopTyping() {
  clearTimeout(typingStop);
  if (typingRoom && socket) socket.volatile.emit('typing', { room: typingRoom, typing: false });
  typingRoom = null;
  typingSentAt = 0;
}

function clearTyping(room, user) {
  const m = typingUsers.get(room);
  if (!m || !m.has(user)) return;
  clearTimeout(m.get(user));
  m.delete(user);
  if (room === active) renderTyping();
}

function renderTyping() {
  const m = active && typingUsers.get(active);
  const users = m ? [...m.keys()] : [];
  const t = $('typing');
  t.replaceChildren();
  if (!users.length) return;
  const who = users.length === 1 ? `${users[0]} is typing` : users.length === 2 ? `${users[0]} and ${users[1]} are typing` : 'several people are typing';
  t.append(el('span', { className: 'dots' }, [el('i'), el('i'), el('i')]), el('span', { textContent: who }));
}

// ---------- images (sent as an ArrayBuffer: a binary Socket.IO event) ----------
async function sendImage(file) {
  if (!active || !socket) return;
  if (!/^image\/(png|jpeg|gif|webp)$/.test(file.type)) return showBanner('Only PNG, JPEG, GIF and WebP images can be sent.', 'error', 'OK', hideBanner);
  if (file.size > MAX_IMAGE) return showBanner(`Images up to ${MAX_IMAGE / 1024} KiB.`, 'error', 'OK', hideBanner);
  const data = await file.arrayBuffer();
  const image = { type: file.type, name: file.name || 'pasted image', data };
  sendWithAck('image', { room: active, ...image }, { room: active, from: session.user.name, at: Date.now(), image });
}

$('input').addEventListener('paste', (e) => {
  const items = e.clipboardData ? [...e.clipboardData.items] : [];
  const item = items.find((i) => i.kind === 'file' && i.type.startsWith('image/'));
  if (!item) return;
  e.preventDefault();
  sendImage(item.getAsFile());
});
$('file').onchange = () => {
  const f = $('file').files[0];
  if (f) sendImage(f);
  $('file').value = '';
};

// ---------- room controls ----------
$('join-form').onsubmit = (e) => {
  e.preventDefault();
  const name = $('join-name').value.trim().toLowerCase();
  if (!name || !socket) return;
  $('join-name').value = '';
  if (joined.has(name)) openRoom(name);
  else joinRoom(name);
};
$('leave').onclick = () => active && leaveRoom(active);
$('logout').onclick = async () => {
  signedOut();
  await session.logout();
};

// ---------- connection status (setConn, updateTransport, the banner: ui.js) ----------
/** While the connection is down, who is in the room is unknown: the members list is greyed. */
function setMembersKnown(known) {
  $('members').dataset.stale = String(!known);
  $('members').title = known ? '' : 'Unknown while disconnected';
}
function updateTokenInfo() {
  const left = Math.max(0, Math.round((session.expiresAt - Date.now()) / 1000));
  const clock = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
  $('token-info').textContent = session.token ? `#${session.tokensIssued} · ${clock} left` : '–';
  $('token-info').dataset.count = String(session.tokensIssued);
  $('token-info').dataset.refreshes = String(refreshes);
  $('token-info').title = `${refreshes} refreshed in place`;
}
setInterval(updateTokenInfo, 1000);

// ---------- start ----------
session.resume().then(
  (user) => (user ? enterChat() : showSignIn()),
  () => showSignIn('The server cannot be reached.'),
);

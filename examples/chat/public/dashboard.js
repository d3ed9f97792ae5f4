// The live dashboard: connects to the `/admin` namespace (admins only, checked by its middleware) and
// redraws every `snapshot` the server pushes.
import { Session } from './session.js';
import { barChart, donut, lineChart } from './charts.js';
import { avatar, el } from './ui.js';
import { afterDisconnect } from './reasons.js';

const $ = (id) => document.getElementById(id);
const session = new Session();
const COLORS = { in: '#4f46e5', out: '#0ea5e9', websocket: '#10b981', polling: '#f59e0b' };
let socket = null;
let expired = false;
let refusals = 0; // refused CONNECTs in a row

/**
 * Shows why there is no dashboard.
 * @param link 'signin' (go and sign in), 'chat' (back to the chat, for signed-in non-admins) or null
 */
function refuse(title, text, link = 'signin') {
  $('board').hidden = true;
  $('refused').hidden = false;
  $('refused-title').textContent = title;
  $('refused-text').textContent = text;
  $('refused-link').hidden = !link;
  $('refused-link').textContent = link === 'chat' ? 'Back to the chat' : 'Sign in as an admin';
  $('refused-link').href = link === 'chat' ? '/' : '/?next=/dashboard';
  setConn('disconnected', 'refused');
}

function setConn(state, text) {
  $('conn').dataset.state = state;
  $('conn-text').textContent = text || state;
}

function start(user) {
  $('me').hidden = false;
  $('me-name').textContent = user.name;
  $('me-role').textContent = user.role;
  $('me-role').classList.toggle('tag-admin', user.role === 'admin');
  avatar($('me-avatar'), user.name);

  // refreshed in place like the chat page: a new token from POST /api/token when the server asks for one
  socket = SocketeerAuth.enableCredentialsRefresh(
    io('/admin', {
      autoConnect: false,
      auth: (cb) => session.fresh(Boolean(socket && socket.connected)).then((token) => cb({ token }), () => cb({})),
    }),
  );
  socket.on('credentials_error', (err) => {
    const code = err.data && err.data.code;
    refuse('Signed out', `Your credentials were not renewed: ${err.message}${code ? ` (${code})` : ''}. Sign in again.`);
  });
  socket.on('connect', () => {
    expired = false;
    refusals = 0;
    $('refused').hidden = true;
    $('board').hidden = false;
    setConn('connected', `connected · ${socket.io.engine.transport.name}`);
    socket.io.engine.once('upgrade', (t) => setConn('connected', `connected · ${t.name}`));
  });
  socket.on('connect_error', (err) => {
    const code = err.data && err.data.code;
    if ((code === 'TOKEN_EXPIRED' || code === 'BAD_TOKEN') && ++refusals <= 3) {
      session.fresh(true).then(() => socket.connect(), () => refuse('Signed out', 'Your session ended. Sign in again.'));
    } else if (code) {
      refuse('Access refused', `The /admin namespace refused the connection: ${err.message} (${code}).`, 'chat');
    } else {
      setConn('disconnected', 'reconnecting…');
    }
  });
  socket.on('session:expired', () => {
    expired = true;
  });
  socket.on('disconnect', (reason) => {
    // the server's reason, in words (public/reasons.js): signed out elsewhere, a restart, the rate limit…
    const next = afterDisconnect(reason, socket.disconnectDetails, expired);
    if (next.action === 'signin') return refuse('Signed out', next.text);
    setConn('disconnected', next.action === 'manual' ? 'disconnected' : 'reconnecting…');
    if (next.action === 'renew') session.fresh(true).then(() => socket.connect());
    if (next.action === 'later') setTimeout(() => !socket.connected && socket.connect(), next.after);
  });
  socket.on('snapshot', render);
  socket.connect();
}

function render(s) {
  const sockets = s.namespaces.reduce((a, n) => a + n.sockets, 0);
  const last = (a) => a[a.length - 1] ?? 0;
  const sum = (a) => a.reduce((x, y) => x + y, 0);
  const byTransport = s.transports;

  $('k-clients').textContent = String(s.clients.length);
  $('k-clients-sub').textContent = `${s.totals.connections} since start`;
  $('k-sockets').textContent = String(sockets);
  $('k-sockets-sub').textContent = s.namespaces.map((n) => `${n.name} ${n.sockets}`).join(' · ');
  $('k-sockets-sub').title = s.namespaces.map((n) => `${n.name}: ${n.websocket} websocket, ${n.polling} polling`).join('\n');
  $('k-rooms').textContent = String(s.rooms.length);
  $('k-rooms-sub').textContent = `${s.rooms.reduce((a, r) => a + r.members, 0)} memberships`;
  // presence: users in each chat room, on every node
  const present = s.presence ?? [];
  $('k-present').textContent = String(present.reduce((a, p) => a + p.users, 0));
  $('k-present-sub').textContent = present.length ? present.slice(0, 3).map((p) => `#${p.room} ${p.users}`).join(' · ') : 'nobody in a room';
  $('k-in').textContent = String(last(s.rates.in));
  $('k-in-sub').textContent = `${sum(s.rates.in)} in 60 s · ${s.totals.eventsIn} total`;
  $('k-in-sub').dataset.total = String(s.totals.eventsIn);
  $('k-out').textContent = String(last(s.rates.out));
  $('k-out-sub').textContent = `${sum(s.rates.out)} in 60 s · ${s.totals.eventsOut} total`;
  $('k-out-sub').dataset.total = String(s.totals.eventsOut);
  $('k-refused').textContent = String(s.totals.refusals);
  $('k-refused-sub').textContent = `${Object.keys(s.refusals).length} reason(s)`;
  const g = s.guard;
  if (g) {
    $('k-refreshed').textContent = String(g.refreshed);
    $('k-refreshed-sub').textContent = `${g.refreshThrottled} throttled · ${g.refreshRefused + g.expired} cut`;
    $('g-refreshed').textContent = String(g.refreshed);
    $('g-refused').textContent = String(g.refused);
    $('g-refresh-refused').textContent = String(g.refreshRefused);
    $('g-expired').textContent = String(g.expired);
    $('g-rate-limited').textContent = String(g.rateLimited);
    $('g-rate-disconnected').textContent = String(g.rateDisconnected);
    $('g-connection-refusals').textContent = String(g.connectionRefusals);
    $('g-rate').textContent = g.eventsPerSecond ? `${g.eventsPerSecond} events/s per socket` : 'off';
    $('g-max').textContent = g.maxConnectionsPerAddress ? `${g.maxConnectionsPerAddress} per address` : 'off';
  }
  renderMetrics(s);
  $('updated').textContent = `updated ${new Date(s.at).toLocaleTimeString()} · up ${uptime(s.uptimeSeconds)}`;

  lineChart($('rates'), [
    { values: s.rates.in, color: COLORS.in, label: 'in' },
    { values: s.rates.out, color: COLORS.out, label: 'out' },
  ], { width: 720, height: 210 });

  donut($('transports'), [
    { label: 'websocket', value: byTransport.websocket, color: COLORS.websocket },
    { label: 'polling', value: byTransport.polling, color: COLORS.polling },
  ], 'connections');
  $('t-ws').textContent = String(byTransport.websocket);
  $('t-polling').textContent = String(byTransport.polling);

  const nodes = s.nodes || null;
  $('nodes-panel').hidden = !nodes;
  for (const th of document.querySelectorAll('.node-col')) th.hidden = !nodes;
  if (nodes) {
    $('nodes').replaceChildren(
      ...nodes.map((n) => el('tr', { dataset: { node: n.id } }, [
        el('td', {}, [el('b', { textContent: n.id })]),
        el('td', { textContent: String(n.clients) }),
        el('td', { textContent: String(n.sockets) }),
        el('td', { textContent: String(n.rates.in) }),
        el('td', { textContent: String(n.rates.out) }),
        el('td', { className: 'refreshed', textContent: String(n.guard ? n.guard.refreshed : 0) }),
        el('td', { className: 'limited', textContent: n.guard ? `${n.guard.rateLimited} · ${n.guard.connectionRefusals}` : '0 · 0' }),
        el('td', { className: 'small', textContent: n.process ? bytes(n.process.residentBytes) : '' }),
        el('td', { className: 'muted small', textContent: uptime(n.uptimeSeconds) }),
      ])),
    );
  }

  $('clients-count').textContent = String(s.clients.length);
  $('no-clients').hidden = s.clients.length > 0;
  $('clients').replaceChildren(
    ...s.clients.map((c) => {
      const kick = el('button', { className: 'btn btn-ghost btn-small', type: 'button', textContent: 'Disconnect' });
      kick.onclick = () => socket.emit('kick', c.id, () => {});
      const isDashboard = c.namespaces.length === 1 && c.namespaces[0] === '/admin';
      return el('tr', { dataset: { client: c.id, user: c.user || '', transport: c.transport, namespaces: c.namespaces.join(' ') } }, [
        el('td', {}, [el('span', { className: 'who' }, [avatar(el('span', { className: 'avatar' }), c.user || '?'), el('b', { textContent: c.user || 'anonymous' })])]),
        ...(nodes ? [el('td', { className: 'small', textContent: c.node || '' })] : []),
        el('td', {}, [el('span', { className: `transport transport-${c.transport}`, textContent: c.transport })]),
        el('td', {}, c.namespaces.map((n) => el('code', { className: 'ns', textContent: n }))),
        el('td', { className: 'muted small', textContent: c.address.replace(/^::ffff:/, '') }),
        el('td', { className: 'muted small', textContent: since(s.at - c.connectedAt) }),
        el('td', {}, [el('code', { className: 'sid', textContent: c.id.slice(0, 8) + '…', title: c.id })]),
        el('td', {}, [isDashboard ? '' : kick]),
      ]);
    }),
  );

  barChart($('rooms'), s.rooms.map((r) => ({ label: (r.nsp === '/' ? '#' : r.nsp + ' #') + r.name, value: r.members })), {
    width: 360, color: COLORS.in, empty: 'no room in use',
  });
  $('namespaces').replaceChildren(
    ...s.namespaces.map((n) => el('li', {}, [el('code', { textContent: n.name }), el('span', { className: 'muted', textContent: `${n.sockets} socket${n.sockets === 1 ? '' : 's'}` })])),
  );
  barChart($('refusals'), Object.entries(s.refusals).sort((a, b) => b[1] - a[1]).map(([label, value]) => ({ label, value })), {
    width: 640, color: '#ef4444', empty: 'nothing refused so far',
  });
}

/** The library's figures: bytes, ack round trips, upgrades, refused handshakes, process facts. */
function renderMetrics(s) {
  const last = (a) => a[a.length - 1] ?? 0;
  const show = (id, text, value) => {
    $(id).textContent = text;
    $(id).dataset.value = String(value);
  };
  show('m-bytes-in', bytes(last(s.rates.bytesIn)), last(s.rates.bytesIn));
  show('m-bytes-in-sub', `${bytes(s.totals.bytesIn)} total`, s.totals.bytesIn);
  show('m-bytes-out', bytes(last(s.rates.bytesOut)), last(s.rates.bytesOut));
  show('m-bytes-out-sub', `${bytes(s.totals.bytesOut)} total`, s.totals.bytesOut);
  show('m-ack', s.ack.count ? `${((s.ack.sumSeconds / s.ack.count) * 1000).toFixed(1)} ms` : '–', s.ack.count ? s.ack.sumSeconds / s.ack.count : 0);
  show('m-ack-sub', `mean of ${s.ack.count} ack${s.ack.count === 1 ? '' : 's'}`, s.ack.count);
  show('m-upgrades', String(s.handshakes.upgrades), s.handshakes.upgrades);
  show('m-cpu', `${s.process.cpuSeconds.toFixed(1)} s`, s.process.cpuSeconds);
  show('m-rss', bytes(s.process.residentBytes), s.process.residentBytes);
  show('m-heap', `heap ${bytes(s.process.heapUsedBytes)}`, s.process.heapUsedBytes);
  show('m-lag', `${(s.process.eventLoopLagP99Seconds * 1000).toFixed(1)} ms`, s.process.eventLoopLagP99Seconds);
  const refused = Object.entries(s.handshakes.refused).sort((a, b) => b[1] - a[1]);
  $('handshakes').replaceChildren(
    ...(refused.length
      ? refused.map(([reason, n]) => el('li', { dataset: { reason } }, [el('code', { textContent: reason }), el('b', { textContent: String(n) })]))
      : [el('li', { className: 'muted', textContent: 'none so far' })]),
  );
}

function bytes(n) {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function since(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s ago`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m ago`;
}

function uptime(s) {
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

session.resume().then(
  (user) => (user ? start(user) : refuse('Sign in first', 'The dashboard needs an admin account (alice / alice-password).')),
  () => refuse('Server unreachable', 'The server cannot be reached.', null),
);

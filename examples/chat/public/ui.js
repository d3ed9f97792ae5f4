// Small DOM helpers shared by the chat and the dashboard.

/**
 * Creates an element.
 * @param tag tag name
 * @param props properties (`dataset` is merged)
 * @param children nodes or strings ('' is skipped)
 */
export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(node.dataset, v);
    else node[k] = v;
  }
  for (const c of children) if (c !== '' && c != null) node.append(c);
  return node;
}

const PALETTE = ['#6366f1', '#0ea5e9', '#10b981', '#f59e0b', '#ef4444', '#8b5cf6', '#ec4899', '#14b8a6'];

/** A stable colour for a name. */
export function colorFor(name) {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return PALETTE[h % PALETTE.length];
}

/** Turns an element into the avatar of `name` (initial on a coloured disc). */
export function avatar(node, name) {
  node.textContent = (name || '?').charAt(0).toUpperCase();
  node.style.background = colorFor(name || '?');
  node.title = name;
  return node;
}

/** `14:05` */
export function formatTime(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

const $ = (id) => document.getElementById(id);

let currentTransport = '–';

/** Shows the connection state (`connected`, `reconnecting`…) in the header, with the transport when connected. */
export function setConn(state) {
  $('conn').dataset.state = state;
  $('conn-text').textContent = state === 'connected' ? `connected · ${currentTransport}` : state;
}

/** Shows the connection's transport (`polling`, then `websocket` after the upgrade). */
export function updateTransport(name) {
  currentTransport = name;
  $('transport-info').textContent = name;
  if ($('conn').dataset.state === 'connected') setConn('connected');
}

/** Shows the banner with a message, a level (`warn`, `error`) and an optional action button. */
export function showBanner(text, level = 'warn', action, fn) {
  $('banner').hidden = false;
  $('banner').dataset.level = level;
  $('banner-text').textContent = text;
  $('banner-action').hidden = !action;
  if (action) {
    $('banner-action').textContent = action;
    $('banner-action').onclick = fn;
  }
}

/** Hides the banner. */
export function hideBanner() {
  $('banner').hidden = true;
}

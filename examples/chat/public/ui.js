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

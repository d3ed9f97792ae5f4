// The chat's side panels on narrow screens: the rooms and the members are drawers over the room, opened by
// the two buttons of the header (shown by style.css only when the layout hides the panels). One drawer at a
// time; the scrim, Escape, or picking a room closes it. Wide screens show the panels as columns and never
// set `data-panel`.
const app = document.getElementById('app');
const scrim = document.getElementById('scrim');
const toggles = {
  rooms: document.getElementById('toggle-rooms'),
  members: document.getElementById('toggle-members'),
};

/** Opens the drawer `name` ('rooms' or 'members'), or closes the open one (null). */
function show(name) {
  const open = app.dataset.panel;
  // closing with the keyboard: back to the button that opened the drawer
  if (!name && open && app.contains(document.activeElement) && document.activeElement.closest('.sidebar, .members')) {
    toggles[open].focus({ preventScroll: true });
  }
  if (name) app.dataset.panel = name;
  else delete app.dataset.panel;
  scrim.hidden = !name;
  for (const [key, button] of Object.entries(toggles)) button.setAttribute('aria-expanded', String(key === name));
  if (name) document.getElementById(`${name}-panel`).focus({ preventScroll: true });
}

for (const [name, button] of Object.entries(toggles)) {
  button.onclick = () => show(app.dataset.panel === name ? null : name);
}
scrim.onclick = () => show(null);
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && app.dataset.panel) show(null);
});
// a room picked (or joined) in the drawer opens it: the drawer gets out of the way
document.getElementById('rooms').addEventListener('click', (e) => {
  if (e.target.closest('.room-link')) show(null);
});
document.getElementById('join-form').addEventListener('submit', () => show(null));
// the layout changed (rotated, resized): no drawer left open over the columns
for (const query of ['(min-width: 1024px)', '(min-width: 720px)']) matchMedia(query).addEventListener('change', () => show(null));

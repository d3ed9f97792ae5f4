// Hand-drawn SVG charts for the dashboard: a line chart for rates, horizontal bars, a donut.
const NS = 'http://www.w3.org/2000/svg';

function svgEl(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A round, readable upper bound for an axis. */
function niceMax(v) {
  if (v <= 5) return 5;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * Draws series of numbers (oldest first) as lines over a light area.
 * @param svg the <svg> to draw in (its viewBox is set here)
 * @param series [{ values, color, label }]
 * @param opts { width, height, unit }
 */
export function lineChart(svg, series, { width = 640, height = 200, unit = '' } = {}) {
  const pad = { l: 38, r: 12, t: 12, b: 24 };
  const w = width - pad.l - pad.r;
  const h = height - pad.t - pad.b;
  const n = Math.max(...series.map((s) => s.values.length), 2);
  const max = niceMax(Math.max(1, ...series.flatMap((s) => s.values)));
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.replaceChildren();
  for (let i = 0; i <= 4; i++) {
    const y = pad.t + (h * i) / 4;
    svg.append(svgEl('line', { x1: pad.l, x2: pad.l + w, y1: y, y2: y, class: 'grid' }));
    svg.append(svgEl('text', { x: pad.l - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, fmt(max * (1 - i / 4)) + unit));
  }
  svg.append(svgEl('text', { x: pad.l, y: height - 6, class: 'axis' }, `-${n}s`));
  svg.append(svgEl('text', { x: pad.l + w, y: height - 6, class: 'axis', 'text-anchor': 'end' }, 'now'));
  const x = (i) => pad.l + (w * i) / (n - 1);
  const y = (v) => pad.t + h - (h * v) / max;
  for (const s of series) {
    const pts = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    const area = `M${x(0)},${pad.t + h} L${pts.join(' L')} L${x(s.values.length - 1)},${pad.t + h} Z`;
    svg.append(svgEl('path', { d: area, fill: s.color, 'fill-opacity': 0.1 }));
    svg.append(svgEl('polyline', { points: pts.join(' '), fill: 'none', stroke: s.color, 'stroke-width': 2, 'stroke-linejoin': 'round' }));
    const last = s.values[s.values.length - 1] ?? 0;
    svg.append(svgEl('circle', { cx: x(s.values.length - 1), cy: y(last), r: 3.5, fill: s.color }));
  }
}

/**
 * Draws labelled horizontal bars.
 * @param svg the <svg>
 * @param items [{ label, value }]
 * @param opts { width, color, empty }
 */
export function barChart(svg, items, { width = 320, color = '#4f46e5', empty = 'nothing yet' } = {}) {
  const row = 28;
  const height = Math.max(1, items.length) * row + 4;
  const labelW = Math.min(width * 0.45, Math.max(80, 12 + 7.4 * Math.max(...items.map((i) => Math.min(i.label.length, 32)), 0)));
  const max = Math.max(1, ...items.map((i) => i.value));
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('height', String(height));
  svg.replaceChildren();
  if (!items.length) {
    svg.append(svgEl('text', { x: 0, y: 18, class: 'axis' }, empty));
    return;
  }
  items.forEach((item, i) => {
    const top = i * row + 4;
    const barW = Math.max(2, ((width - labelW - 40) * item.value) / max);
    const g = svgEl('g', { 'data-label': item.label });
    g.append(svgEl('text', { x: 0, y: top + 15, class: 'bar-label' }, truncate(item.label, 32)));
    g.append(svgEl('rect', { x: labelW, y: top + 3, width: width - labelW - 40, height: 16, rx: 5, class: 'bar-track' }));
    g.append(svgEl('rect', { x: labelW, y: top + 3, width: barW, height: 16, rx: 5, fill: item.color || color }));
    g.append(svgEl('text', { x: width - 4, y: top + 15, class: 'bar-value', 'text-anchor': 'end' }, fmt(item.value)));
    svg.append(g);
  });
}

/**
 * Draws a donut of parts with the total in the middle.
 * @param svg the <svg>
 * @param parts [{ label, value, color }]
 * @param caption text under the total
 */
export function donut(svg, parts, caption) {
  const size = 132;
  const r = 50;
  const c = 2 * Math.PI * r;
  const total = parts.reduce((a, p) => a + p.value, 0);
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
  svg.replaceChildren(svgEl('circle', { cx: size / 2, cy: size / 2, r, class: 'donut-track', 'stroke-width': 16, fill: 'none' }));
  let offset = 0;
  for (const p of parts) {
    if (!p.value) continue;
    const len = (c * p.value) / total;
    svg.append(
      svgEl('circle', {
        cx: size / 2, cy: size / 2, r, fill: 'none', stroke: p.color, 'stroke-width': 16,
        'stroke-dasharray': `${len} ${c - len}`, 'stroke-dashoffset': -offset,
        transform: `rotate(-90 ${size / 2} ${size / 2})`,
      }),
    );
    offset += len;
  }
  svg.append(svgEl('text', { x: size / 2, y: size / 2 + 4, class: 'donut-total', 'text-anchor': 'middle' }, String(total)));
  svg.append(svgEl('text', { x: size / 2, y: size / 2 + 22, class: 'axis', 'text-anchor': 'middle' }, caption));
}

function fmt(v) {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

function truncate(s, n) {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

// Hand-drawn SVG charts for the dashboard: a line chart for rates, horizontal bars, a donut. The line chart
// and the bars are drawn at the width the <svg> has on the page (one unit = one CSS pixel), so their text
// keeps its size on a phone and on a wide screen.
import { formatTick, niceTicks } from './ticks.js';

const NS = 'http://www.w3.org/2000/svg';

function svgEl(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The width the <svg> takes on the page, or `fallback` while it is not laid out. */
function drawnWidth(svg, fallback) {
  const w = Math.floor(svg.getBoundingClientRect().width);
  return w > 0 ? w : fallback;
}

/**
 * Draws series of numbers (oldest first) as lines over a light area.
 * @param svg the <svg> to draw in (its viewBox is set here)
 * @param series [{ values, color, label }]
 * @param opts { width, height, unit }
 */
export function lineChart(svg, series, { width = 640, height = 200, unit = '' } = {}) {
  width = drawnWidth(svg, width);
  const pad = { l: 44, r: 12, t: 12, b: 24 };
  const w = width - pad.l - pad.r;
  const h = height - pad.t - pad.b;
  const n = Math.max(...series.map((s) => s.values.length), 2);
  // whole numbers of events: steps of 1, 2, 5, 10…
  const { top: max, ticks } = niceTicks(Math.max(1, ...series.flatMap((s) => s.values)), 4, 1);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('height', String(height));
  svg.replaceChildren();
  for (const tick of ticks) {
    const y = pad.t + h - (h * tick) / max;
    svg.append(svgEl('line', { x1: pad.l, x2: pad.l + w, y1: y, y2: y, class: 'grid' }));
    svg.append(svgEl('text', { x: pad.l - 6, y: y + 4, class: 'axis', 'text-anchor': 'end', 'data-tick': tick }, formatTick(tick) + unit));
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
 * Draws labelled horizontal bars. Each label is measured once drawn: beside its bar when the widest fits in
 * 45 % of the width, above its bar otherwise (a phone), so no bar ever covers a label.
 * @param svg the <svg>
 * @param items [{ label, value }]
 * @param opts { width, color, empty }
 */
export function barChart(svg, items, { width = 320, color = '#4f46e5', empty = 'nothing yet' } = {}) {
  width = drawnWidth(svg, width);
  const max = Math.max(1, ...items.map((i) => i.value));
  svg.setAttribute('viewBox', `0 0 ${width} 24`);
  svg.setAttribute('height', '24');
  svg.replaceChildren();
  if (!items.length) {
    svg.append(svgEl('text', { x: 0, y: 18, class: 'axis' }, empty));
    return;
  }
  const labels = items.map((item) => svgEl('text', { class: 'bar-label' }, truncate(item.label, 40)));
  const values = items.map((item) => svgEl('text', { class: 'bar-value', 'text-anchor': 'end' }, fmt(item.value)));
  svg.append(...labels, ...values);
  // 7.5 px a character when the page is not laid out (hidden): the layout is redone at the next draw
  const measure = (t) => t.getComputedTextLength() || 7.5 * t.textContent.length;
  const labelW = Math.max(...labels.map(measure)) + 12;
  const valueW = Math.max(...values.map(measure)) + 10;
  const beside = labelW <= width * 0.45;
  const row = beside ? 28 : 42;
  const height = items.length * row + 4;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('height', String(height));
  svg.dataset.layout = beside ? 'beside' : 'above';
  if (!beside) {
    // a label wider than the chart is cut to what fits
    for (const t of labels) {
      const w = measure(t);
      if (w > width) t.textContent = truncate(t.textContent, Math.floor((t.textContent.length * width) / w) - 1);
    }
  }
  svg.replaceChildren();
  items.forEach((item, i) => {
    const top = i * row + 4;
    const barX = beside ? labelW : 0;
    const barY = beside ? top + 3 : top + 20;
    const trackW = Math.max(10, width - barX - valueW);
    const g = svgEl('g', { 'data-label': item.label });
    labels[i].setAttribute('x', '0');
    labels[i].setAttribute('y', String(top + 15));
    values[i].setAttribute('x', String(width - 2));
    values[i].setAttribute('y', String(beside ? top + 15 : barY + 12));
    g.append(labels[i]);
    g.append(svgEl('rect', { x: barX, y: barY, width: trackW, height: 16, rx: 5, class: 'bar-track' }));
    g.append(svgEl('rect', { x: barX, y: barY, width: Math.max(2, (trackW * item.value) / max), height: 16, rx: 5, fill: item.color || color, class: 'bar' }));
    g.append(values[i]);
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

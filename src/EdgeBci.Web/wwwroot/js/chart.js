// A tiny SVG chart over days: day bands on x, a fixed 0..max y axis, series of points joined by lines. No library.
import { svg, clear } from './dom.js';

const WIDTH = 640;
const HEIGHT = 280;
const MARGIN = { left: 52, right: 16, top: 34, bottom: 40 };
const DAY_MS = 86_400_000;
const MAX_DAY_LABELS = 8;

/**
 * series: [{ label, className, dashed?, markers? (default true), points: [{ t: Date ms, y, filled?, title? }] }]
 * y: { max, ticks: [values], format(value) → words }
 */
export function dayChart(root, { series, y, empty }) {
  clear(root);
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) {
    root.append(svg('text', { class: 'empty', x: WIDTH / 2, y: HEIGHT / 2, 'text-anchor': 'middle', text: empty }));
    return;
  }
  const firstDay = startOfDay(Math.min(...all.map((p) => p.t)));
  const days = Math.max(1, Math.round((startOfDay(Math.max(...all.map((p) => p.t))) - firstDay) / DAY_MS) + 1);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  // Days are not all 24 h (daylight saving), so x is the day's index plus the time within it.
  const xOf = (t) => {
    const day = startOfDay(t);
    const index = Math.round((day - firstDay) / DAY_MS);
    return MARGIN.left + ((index + Math.min(1, (t - day) / DAY_MS)) / days) * plotWidth;
  };
  const yOf = (value) => MARGIN.top + plotHeight - (Math.min(y.max, Math.max(0, value)) / y.max) * plotHeight;

  const axes = svg('g', { class: 'axes' });
  for (const tick of y.ticks) {
    const ty = yOf(tick);
    axes.append(
      svg('line', { class: 'grid', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: ty, y2: ty }),
      svg('text', { class: 'tick', x: MARGIN.left - 6, y: ty + 4, 'text-anchor': 'end', text: y.format(tick) }),
    );
  }
  const labelEvery = Math.ceil(days / MAX_DAY_LABELS);
  for (let index = 0; index <= days; index++) {
    const x = MARGIN.left + (index / days) * plotWidth;
    axes.append(svg('line', { class: 'day', x1: x, x2: x, y1: MARGIN.top, y2: MARGIN.top + plotHeight }));
    if (index < days && index % labelEvery === 0) {
      const date = new Date(firstDay + index * DAY_MS + DAY_MS / 2);
      axes.append(svg('text', {
        class: 'tick', x: x + plotWidth / days / 2, y: HEIGHT - MARGIN.bottom + 18, 'text-anchor': 'middle',
        text: date.toLocaleDateString(undefined, { day: 'numeric', month: 'short' }),
      }));
    }
  }
  axes.append(svg('line', { class: 'axis', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: yOf(0), y2: yOf(0) }));
  root.append(axes);

  let legendX = MARGIN.left;
  for (const s of series) {
    const group = svg('g', { class: `series ${s.className}` });
    const points = s.points.slice().sort((a, b) => a.t - b.t);
    if (points.length > 1) {
      group.append(svg('polyline', {
        class: s.dashed ? 'line dashed' : 'line',
        points: points.map((p) => `${xOf(p.t).toFixed(1)},${yOf(p.y).toFixed(1)}`).join(' '),
      }));
    }
    if (s.markers !== false || points.length === 1) {
      for (const p of points) {
        group.append(svg('circle', { class: p.filled === false ? 'marker hollow' : 'marker', cx: xOf(p.t).toFixed(1), cy: yOf(p.y).toFixed(1), r: 5 },
          p.title ? svg('title', { text: p.title }) : null));
      }
    }
    root.append(group);
    const legend = svg('g', { class: `legend series ${s.className}` },
      svg('line', { class: s.dashed ? 'line dashed' : 'line', x1: legendX, x2: legendX + 22, y1: 14, y2: 14 }),
      s.markers !== false ? svg('circle', { class: 'marker', cx: legendX + 11, cy: 14, r: 4 }) : null,
      svg('text', { x: legendX + 28, y: 18, text: s.label }));
    root.append(legend);
    legendX += 40 + s.label.length * 7;
  }
}

function startOfDay(t) {
  const date = new Date(t);
  date.setHours(0, 0, 0, 0);
  return date.getTime();
}

// The 10-20 / 10-10 head map: where each label sits (nose up, the wearer's left on the left) and its colour by quality.
import { svg, clear } from './dom.js';
import { kiloohms } from './format.js';

const DEG = Math.PI / 180;

// Midline sites by row: arc from Cz towards the nose in degrees (Fpz and Oz sit on the 10 % ring, 72° from Cz).
const ROW_ARC = { Fp: 72, AF: 54, F: 36, FC: 18, C: 0, T: 0, CP: -18, TP: -18, P: -36, PO: -54, O: -72 };
// Where each row meets the ring (the 7/8 column), as azimuth from the nose; T7 is C's and P7 is P's.
const ROW_RING_AZIMUTH = { AF: 36, F: 54, FC: 72, FT: 72, C: 90, T: 90, CP: 108, TP: 108, P: 126, PO: 144 };
const OLD_NAMES = { T3: 'T7', T4: 'T8', T5: 'P7', T6: 'P8' };
const RING_ARC = 72;

/**
 * Map position of a 10-20/10-10 label on a unit disc (radius 1 = 90° from Cz, y up = nose), or null when the label is
 * not one the system names. The grid is the standard one: each row runs along an arc from its midline site (z) to the
 * ring at column 7/8, columns 1..8 evenly spaced (9/10 outside the ring); odd numbers on the left.
 */
export function electrodePosition(label) {
  const name = OLD_NAMES[label.toUpperCase()] ?? label;
  const match = /^(Fp|AF|FC|FT|CP|TP|PO|F|C|T|P|O)(z|\d{1,2})$/i.exec(name);
  if (!match) return null;
  const row = canonicalRow(match[1]);
  const column = match[2].toLowerCase();
  if (column === 'z') return ROW_ARC[row] === undefined || row === 'T' || row === 'FT' || row === 'TP' ? null : midline(ROW_ARC[row]);
  const number = Number(column);
  if (number < 1 || number > 10) return null;
  const side = number % 2 === 1 ? -1 : 1;
  if (row === 'Fp' || row === 'O') {
    if (number > 2) return null;
    return ring(side * (row === 'Fp' ? 18 : 162));
  }
  if (row === 'T' || row === 'FT' || row === 'TP') {
    if (number !== 7 && number !== 8 && number !== 9 && number !== 10) return null;
  }
  const step = Math.ceil(number / 2); // 1,2 → 1 ... 7,8 → 4 (the ring), 9,10 → 5 (below it)
  return along(ROW_ARC[row === 'FT' ? 'FC' : row], side * ROW_RING_AZIMUTH[row], step / 4);
}

function canonicalRow(text) {
  const upper = text.toUpperCase();
  return upper === 'FP' ? 'Fp' : upper;
}

function midline(arc) {
  return project(unit([0, Math.sin(arc * DEG), Math.cos(arc * DEG)]));
}

function ring(azimuth) {
  return project(ringPoint(azimuth));
}

function ringPoint(azimuth) {
  const s = Math.sin(RING_ARC * DEG);
  return [s * Math.sin(azimuth * DEG), s * Math.cos(azimuth * DEG), Math.cos(RING_ARC * DEG)];
}

// Spherical interpolation from the row's midline site to its ring site (t = 1), past it for t > 1.
function along(midArc, ringAzimuth, t) {
  const a = [0, Math.sin(midArc * DEG), Math.cos(midArc * DEG)];
  const b = ringPoint(ringAzimuth);
  const omega = Math.acos(Math.min(1, a[0] * b[0] + a[1] * b[1] + a[2] * b[2]));
  const wa = Math.sin((1 - t) * omega) / Math.sin(omega);
  const wb = Math.sin(t * omega) / Math.sin(omega);
  return project(unit([wa * a[0] + wb * b[0], wa * a[1] + wb * b[1], wa * a[2] + wb * b[2]]));
}

function unit(v) {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}

// Azimuthal equidistant projection around Cz: distance on the map = arc from Cz.
function project([x, y, z]) {
  const arc = Math.acos(Math.max(-1, Math.min(1, z))) / (90 * DEG);
  const azimuth = Math.atan2(x, y);
  return { x: arc * Math.sin(azimuth), y: arc * Math.cos(azimuth) };
}

/** Draws the head and one circle per channel; returns the labels that have no place on it. */
export function drawHeadMap(root, channels) {
  clear(root);
  root.append(
    svg('path', { class: 'nose', d: 'M -0.12 -0.99 L 0 -1.14 L 0.12 -0.99' }),
    svg('path', { class: 'ear', d: 'M -1 -0.14 C -1.1 -0.16 -1.12 0.16 -1 0.14' }),
    svg('path', { class: 'ear', d: 'M 1 -0.14 C 1.1 -0.16 1.12 0.16 1 0.14' }),
    svg('circle', { class: 'scalp', cx: 0, cy: 0, r: 1 }),
    svg('circle', { class: 'ring', cx: 0, cy: 0, r: 0.8 }),
    svg('line', { class: 'ring', x1: 0, y1: -0.8, x2: 0, y2: 0.8 }),
    svg('line', { class: 'ring', x1: -0.8, y1: 0, x2: 0.8, y2: 0 }),
    svg('text', { class: 'side', x: -1.2, y: -1.05, text: 'L' }),
    svg('text', { class: 'side', x: 1.14, y: -1.05, text: 'R' }),
  );
  const unplaced = [];
  for (const label of channels) {
    const position = electrodePosition(label);
    if (!position) {
      unplaced.push(label);
      continue;
    }
    // SVG's y grows downwards: the nose (y = 1 on the map) is at the top.
    const x = position.x;
    const y = -position.y;
    root.append(svg('g', { class: 'electrode', 'data-channel': label },
      svg('circle', { 'data-testid': `electrode-${label}`, class: 'settling', cx: x.toFixed(3), cy: y.toFixed(3), r: 0.105 },
        svg('title', { text: `${label}: waiting for the first measurement` })),
      // The impedance sits inside the circle under the label, so neighbours never overlap however dense the montage.
      svg('text', { class: 'label', x: x.toFixed(3), y: (y - 0.028).toFixed(3), text: label }),
      svg('text', { class: 'impedance', x: x.toFixed(3), y: (y + 0.045).toFixed(3), text: '' })));
  }
  return unplaced;
}

/** Colours each electrode by its quality and writes its impedance under it. */
export function updateHeadMap(root, snapshot) {
  for (const state of snapshot.channels ?? []) {
    const group = root.querySelector(`g[data-channel="${CSS.escape(state.channel)}"]`);
    if (!group) continue;
    const circle = group.querySelector('circle');
    circle.setAttribute('class', state.quality);
    circle.querySelector('title').textContent =
      `${state.channel}: ${state.quality}${state.reason ? ` (${state.reason})` : ''}, impedance ${kiloohms(state.impedanceKiloohms)}`;
    group.querySelector('text.impedance').textContent = shortKiloohms(state.impedanceKiloohms);
  }
}

// "23.5" / "512": the unit (kΩ) is in the legend, the circle only has room for the number.
function shortKiloohms(value) {
  if (value === null || value === undefined) return '';
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

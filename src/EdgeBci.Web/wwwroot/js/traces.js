// Live scrolling traces of every channel on one canvas: one lane per channel, auto-scaled per lane with a µV bar.
// Drawn only when new points arrived, at most 30 frames/s, and never while the view or the browser tab is hidden:
// the tablet's CPU matters as much as the unit's.
import { niceCeiling } from './format.js';

const MAX_WINDOW_SECONDS = 10;
const MIN_FRAME_MS = 1000 / 30;
const LANE_CSS_PX = 54;
const LABEL_CSS_PX = 52;
const SCALE_CSS_PX = 64;

export class TraceView {
  #canvas;
  #context;
  #names = [];
  #rate = 0;
  #rings = [];          // Float32Array per channel, indexed by point % capacity; NaN where a point never came
  #capacity = 0;
  #head = 0;            // index of the next point expected
  #windowSeconds = 6;
  #dirty = false;
  #visible = false;
  #frameRequest = 0;
  #lastFrame = 0;
  #frames = 0;
  #pixelRatio = 1;
  #onFrame = (now) => this.#frame(now);

  constructor(canvas) {
    this.#canvas = canvas;
    this.#context = canvas.getContext('2d', { alpha: false });
    new ResizeObserver(() => this.#resize()).observe(canvas);
    document.addEventListener('visibilitychange', () => this.#schedule());
  }

  setChannels(names) {
    this.#names = names.slice();
    this.#canvas.dataset.channels = String(names.length);
    this.#allocate(this.#rate);
    this.#resize();
  }

  setWindow(seconds) {
    this.#windowSeconds = Math.min(MAX_WINDOW_SECONDS, Math.max(1, seconds));
    this.#markDirty();
  }

  /** The view is on screen (its tab is selected); drawing stops while it is not. */
  setVisible(visible) {
    this.#visible = visible;
    if (visible) this.#resize();
    this.#schedule();
  }

  /** One "traces" event: {firstPoint, displayRate, values: [[...] per channel]}. */
  push(batch) {
    const values = batch.values;
    if (!Array.isArray(values) || values.length === 0) return;
    if (values.length !== this.#names.length) this.setChannels(values.map((_, i) => this.#names[i] ?? `ch${i + 1}`));
    if (batch.displayRate !== this.#rate) this.#allocate(batch.displayRate);
    const count = values[0].length;
    let first = batch.firstPoint;
    // A restarted stream (points counted from 0 again) or a gap longer than the window: start afresh.
    if (first < this.#head - this.#capacity || first > this.#head + this.#capacity || first + count <= this.#head - this.#capacity) {
      for (const ring of this.#rings) ring.fill(NaN);
      this.#head = first;
    }
    for (let p = this.#head; p < first; p++) {
      const slot = p % this.#capacity;
      for (let c = 0; c < this.#rings.length; c++) this.#rings[c][slot] = NaN;
    }
    for (let c = 0; c < this.#rings.length; c++) {
      const ring = this.#rings[c];
      const channel = values[c];
      for (let i = 0; i < count; i++) ring[(first + i) % this.#capacity] = channel[i];
    }
    if (first + count > this.#head) this.#head = first + count;
    this.#markDirty();
  }

  get framesDrawn() {
    return this.#frames;
  }

  #allocate(rate) {
    this.#rate = rate > 0 ? rate : 125;
    this.#capacity = Math.ceil(this.#rate * MAX_WINDOW_SECONDS);
    this.#rings = this.#names.map(() => new Float32Array(this.#capacity).fill(NaN));
    this.#head = 0;
  }

  #markDirty() {
    this.#dirty = true;
    this.#schedule();
  }

  #schedule() {
    const shouldRun = this.#visible && document.visibilityState === 'visible' && this.#dirty;
    if (shouldRun && this.#frameRequest === 0) this.#frameRequest = requestAnimationFrame(this.#onFrame);
  }

  #frame(now) {
    this.#frameRequest = 0;
    if (!this.#visible || document.visibilityState !== 'visible') return;
    if (now - this.#lastFrame < MIN_FRAME_MS - 1) {
      this.#frameRequest = requestAnimationFrame(this.#onFrame);
      return;
    }
    this.#lastFrame = now;
    this.#dirty = false;
    this.#draw();
    this.#frames++;
    this.#canvas.dataset.frames = String(this.#frames);
  }

  #resize() {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(200, Math.round(this.#canvas.clientWidth * ratio));
    const height = Math.round(Math.max(1, this.#names.length) * LANE_CSS_PX * ratio);
    this.#canvas.style.height = `${Math.max(1, this.#names.length) * LANE_CSS_PX}px`;
    if (this.#canvas.width !== width || this.#canvas.height !== height) {
      this.#canvas.width = width;
      this.#canvas.height = height;
    }
    this.#pixelRatio = ratio;
    this.#markDirty();
  }

  #draw() {
    const g = this.#context;
    const ratio = this.#pixelRatio;
    const width = this.#canvas.width;
    const lane = LANE_CSS_PX * ratio;
    const left = LABEL_CSS_PX * ratio;
    const right = width - SCALE_CSS_PX * ratio;
    g.fillStyle = '#ffffff';
    g.fillRect(0, 0, width, this.#canvas.height);
    const points = Math.min(this.#capacity, Math.round(this.#rate * this.#windowSeconds));
    const first = this.#head - points;
    const step = (right - left) / Math.max(1, points - 1);
    g.font = `${13 * ratio}px system-ui, sans-serif`;
    g.textBaseline = 'middle';
    for (let c = 0; c < this.#rings.length; c++) {
      const ring = this.#rings[c];
      const middle = lane * c + lane / 2;
      let sum = 0;
      let n = 0;
      for (let p = Math.max(0, first); p < this.#head; p++) {
        const v = ring[p % this.#capacity];
        if (v === v) { sum += v; n++; }
      }
      const mean = n > 0 ? sum / n : 0;
      let peak = 0;
      for (let p = Math.max(0, first); p < this.#head; p++) {
        const v = ring[p % this.#capacity];
        if (v === v && Math.abs(v - mean) > peak) peak = Math.abs(v - mean);
      }
      // Half a lane is a 1-2-5 number of µV: the scale only jumps when the signal really changes size.
      const half = niceCeiling(peak);
      const pixelsPerMicrovolt = (lane * 0.45) / half;
      g.fillStyle = c % 2 === 0 ? '#f3f5f8' : '#ffffff';
      g.fillRect(0, lane * c, width, lane);
      g.fillStyle = '#1a1f29';
      g.fillText(this.#names[c] ?? '', 6 * ratio, middle);
      g.strokeStyle = '#0b4fa8';
      g.lineWidth = 1.25 * ratio;
      g.beginPath();
      let pen = false;
      for (let i = 0; i < points; i++) {
        const p = first + i;
        const v = p < 0 ? NaN : ring[p % this.#capacity];
        if (v !== v) { pen = false; continue; }
        const x = left + i * step;
        const y = middle - (v - mean) * pixelsPerMicrovolt;
        if (pen) g.lineTo(x, y); else g.moveTo(x, y);
        pen = true;
      }
      g.stroke();
      const barTop = middle - half * pixelsPerMicrovolt / 2;
      const barX = right + 10 * ratio;
      g.strokeStyle = '#1a1f29';
      g.lineWidth = 2 * ratio;
      g.beginPath();
      g.moveTo(barX, barTop);
      g.lineTo(barX, barTop + half * pixelsPerMicrovolt);
      g.stroke();
      g.fillStyle = '#1a1f29';
      g.fillText(scaleLabel(half), barX + 5 * ratio, middle);
    }
  }
}

const scaleLabels = new Map();

// The bar's words are cached: a frame creates no strings for the few scales a session sees.
function scaleLabel(microvolts) {
  let label = scaleLabels.get(microvolts);
  if (label === undefined) {
    label = `${microvolts >= 1 ? microvolts.toFixed(0) : microvolts.toPrecision(1)} µV`;
    scaleLabels.set(microvolts, label);
  }
  return label;
}

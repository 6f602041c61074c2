// The Electrodes view: head map, the quality table and the live traces, so electrodes can be fixed one by one.
import { byTestId, el, clear } from './dom.js';
import { drawHeadMap, updateHeadMap } from './headmap.js';
import { TraceView } from './traces.js';
import { kiloohms, microvolts, time } from './format.js';

export class ElectrodesView {
  #map = byTestId('head-map');
  #tableBody = document.querySelector('#channel-table tbody');
  #unplaced = document.getElementById('unplaced');
  #impedanceWhen = document.getElementById('impedance-when');
  #traceInfo = document.getElementById('trace-info');
  #traces = new TraceView(byTestId('traces'));
  #channels = [];
  #rows = new Map();

  constructor() {
    const windowSelect = document.getElementById('trace-window');
    windowSelect.addEventListener('change', () => this.#traces.setWindow(Number(windowSelect.value)));
    this.#traces.setWindow(Number(windowSelect.value));
  }

  /** From GET /api/unit: the channel labels in the front-end's order. */
  setUnit(unit) {
    this.#channels = unit.channels ?? [];
    const unplaced = drawHeadMap(this.#map, this.#channels);
    clear(this.#unplaced);
    this.#unplaced.hidden = unplaced.length === 0;
    if (unplaced.length > 0) {
      this.#unplaced.append(el('li', { class: 'title', text: 'Not on the 10-20 map:' }));
      for (const label of unplaced) {
        this.#unplaced.append(el('li', { 'data-channel': label }, el('span', { class: 'swatch settling' }), label));
      }
    }
    this.#buildTable();
    this.#traces.setChannels(this.#channels);
    this.#traceInfo.textContent = `${this.#channels.length} channels, ${unit.displayRate ?? '?'} points/s shown of ${unit.sampleRate} samples/s`;
  }

  setVisible(visible) {
    this.#traces.setVisible(visible);
  }

  /** An ElectrodeSnapshot (from GET /api/electrodes or the 1 Hz status event). */
  showElectrodes(snapshot) {
    updateHeadMap(this.#map, snapshot);
    for (const state of snapshot.channels ?? []) {
      const row = this.#rows.get(state.channel);
      if (!row) continue;
      row.quality.textContent = state.quality;
      row.quality.className = `quality ${state.quality}`;
      row.reason.textContent = state.reason || (state.quality === 'good' ? '–' : '');
      row.rms.textContent = microvolts(state.rmsMicrovolts);
      row.impedance.textContent = state.impedanceQuality
        ? `${kiloohms(state.impedanceKiloohms)} (${state.impedanceQuality})`
        : kiloohms(state.impedanceKiloohms);
      const placed = this.#unplaced.querySelector(`li[data-channel="${CSS.escape(state.channel)}"] .swatch`);
      if (placed) placed.className = `swatch ${state.quality}`;
    }
    this.#impedanceWhen.textContent = snapshot.impedanceMeasured
      ? `Impedances measured at ${time(snapshot.impedanceMeasured)}.`
      : 'Impedances not measured yet.';
  }

  pushTraces(batch) {
    this.#traces.push(batch);
  }

  #buildTable() {
    clear(this.#tableBody);
    this.#rows.clear();
    for (const label of this.#channels) {
      const quality = el('td', { 'data-testid': `quality-${label}`, class: 'quality settling', text: 'waiting' });
      const reason = el('td', { class: 'reason' });
      const rms = el('td', { class: 'number', text: '–' });
      const impedance = el('td', { class: 'number', text: 'not measured' });
      this.#tableBody.append(el('tr', { 'data-testid': `channel-row-${label}` }, el('th', { scope: 'row', text: label }), quality, reason, rms, impedance));
      this.#rows.set(label, { quality, reason, rms, impedance });
    }
  }
}

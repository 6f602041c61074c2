// The History view: every session of the wearer over days (GET /api/history?wearer=ID), as two charts and a table.
import { byTestId, el, clear, say } from './dom.js';
import { get } from './api.js';
import { dateTime, minutesSeconds, percent } from './format.js';
import { dayChart } from './chart.js';

const PERCENT_AXIS = { max: 1, ticks: [0, 0.25, 0.5, 0.75, 1], format: (v) => `${Math.round(v * 100)} %` };

export class HistoryView {
  #accuracy = byTestId('history-chart-accuracy');
  #focus = byTestId('history-chart-focus');
  #table = byTestId('history-table').querySelector('tbody');
  #message = document.getElementById('history-message');

  async load(wearerId) {
    if (!wearerId) {
      say(this.#message, 'Choose a wearer to see their sessions.', 'info');
      this.#render({ calibrations: [], focus: [] });
      return;
    }
    try {
      const history = await get(`/api/history?wearer=${encodeURIComponent(wearerId)}`);
      say(this.#message, '');
      this.#render(history);
    } catch (error) {
      say(this.#message, `Could not read the history of "${wearerId}": ${error.message}`);
    }
  }

  #render(history) {
    const calibrations = history.calibrations ?? [];
    const focus = history.focus ?? [];
    const judged = calibrations.filter((c) => typeof c.accuracy === 'number');
    dayChart(this.#accuracy, {
      empty: 'No calibration with a result yet.',
      y: PERCENT_AXIS,
      series: [
        {
          label: 'accuracy (filled = passed the gate)', className: 'accuracy',
          points: judged.map((c) => ({
            t: Date.parse(c.started), y: c.accuracy, filled: c.verdict === 'passed',
            title: `${dateTime(c.started)}: ${percent(c.accuracy)} (chance ${percent(c.chance)}), ${c.verdict ?? 'no verdict'}`,
          })),
        },
        {
          label: 'chance', className: 'chance', dashed: true, markers: false,
          points: judged.filter((c) => typeof c.chance === 'number').map((c) => ({ t: Date.parse(c.started), y: c.chance })),
        },
      ],
    });
    const finished = focus.filter((f) => f.seconds > 0);
    dayChart(this.#focus, {
      empty: 'No focus training yet.',
      y: PERCENT_AXIS,
      series: [
        {
          label: 'time in target (hollow = stopped early)', className: 'focus',
          points: finished.map((f) => ({
            t: Date.parse(f.started), y: f.score, filled: f.completed,
            title: `${dateTime(f.started)}: ${percent(f.score)} in the zone (${minutesSeconds(f.secondsInZone)} of ${minutesSeconds(f.seconds)})`,
          })),
        },
        {
          label: 'target from (focus index)', className: 'target', dashed: true, markers: false,
          points: finished.map((f) => ({ t: Date.parse(f.started), y: f.targetLow })),
        },
      ],
    });
    this.#fillTable(calibrations, focus);
  }

  #fillTable(calibrations, focus) {
    clear(this.#table);
    const rows = [
      ...calibrations.map((c) => ({ t: Date.parse(c.started), row: calibrationRow(c) })),
      ...focus.map((f) => ({ t: Date.parse(f.started), row: focusRow(f) })),
    ].sort((a, b) => b.t - a.t);
    if (rows.length === 0) {
      this.#table.append(el('tr', {}, el('td', { colspan: 4, class: 'muted', text: 'No sessions yet.' })));
    }
    for (const { row } of rows) this.#table.append(row);
  }
}

function calibrationRow(c) {
  const result = !c.completed ? 'not completed' : c.verdict ?? 'no verdict';
  const details = [
    `${c.trials} trials`,
    typeof c.accuracy === 'number' ? `accuracy ${percent(c.accuracy)} (chance ${percent(c.chance)})` : null,
    typeof c.itrBitsPerMinute === 'number' ? `ITR ${c.itrBitsPerMinute.toFixed(2)} bits/min` : null,
    c.installed ? 'installed' : null,
    c.verdictText,
  ].filter(Boolean).join(' · ');
  return el('tr', { 'data-testid': 'history-row', 'data-kind': 'calibration' },
    el('td', { text: dateTime(c.started) }),
    el('td', { text: 'Calibration' }),
    el('td', { class: `result ${c.verdict ?? 'none'}`, text: result }),
    el('td', {}, details, c.reportPath ? ' · ' : null,
      c.reportPath ? el('a', { href: `/api/calibration/${encodeURIComponent(c.id)}/report`, target: '_blank', rel: 'noopener', text: 'report' }) : null));
}

function focusRow(f) {
  const result = `${percent(f.score)} in the zone (${minutesSeconds(f.secondsInZone)} of ${minutesSeconds(f.seconds)})`;
  const details = [
    f.completed ? null : 'stopped early',
    `target ${f.targetLow.toFixed(2)}-${f.targetHigh.toFixed(2)}`,
    `baseline ${f.baselineLow.toFixed(2)}-${f.baselineHigh.toFixed(2)}`,
    `next target from ${f.nextTargetLow.toFixed(2)}`,
  ].filter(Boolean).join(' · ');
  return el('tr', { 'data-testid': 'history-row', 'data-kind': 'focus' },
    el('td', { text: dateTime(f.started) }),
    el('td', { text: 'Focus training' }),
    el('td', { class: 'result', text: result }),
    el('td', { text: details }));
}

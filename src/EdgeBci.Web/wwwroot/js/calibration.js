// The Calibration view: starts the cued session, shows each cue large, then training progress and the gate's verdict.
import { byTestId, svg, clear, el, say } from './dom.js';
import { get, post } from './api.js';
import { percent, time } from './format.js';

const STAGE_WORDS = { recording: 'Recording', training: 'Training the decoder', gate: 'Acceptance gate', installing: 'Installing' };
const ENDED_WORDS = { cancelled: 'Cancelled', failed: 'Failed', completed: 'Finished', passed: 'Passed', refused: 'Refused' };

export class CalibrationView {
  #picker;
  #camp;
  #start = byTestId('calibration-start');
  #cancel = byTestId('calibration-cancel');
  #cue = byTestId('cue');
  #symbol = document.getElementById('cue-symbol');
  #word = document.getElementById('cue-word');
  #detail = document.getElementById('cue-detail');
  #progress = byTestId('cue-progress');
  #stage = byTestId('calibration-stage');
  #fraction = document.getElementById('calibration-fraction');
  #verdict = byTestId('calibration-verdict');
  #report = byTestId('calibration-report');
  #message = document.getElementById('calibration-message');
  #breakTimer = 0;

  constructor(picker, camp) {
    this.#picker = picker;
    this.#camp = camp;
    this.#start.addEventListener('click', () => this.#startRun());
    this.#cancel.addEventListener('click', () => this.#cancelRun());
    camp.onChange((run) => this.#runChanged(run));
  }

  /** A camp event ({type, data}) from the stream. */
  handle(event) {
    const data = event.data ?? {};
    if (event.type === 'cue') this.#showCue(data);
    else if (event.type === 'progress') this.#showProgress(data);
    else if (event.type === 'verdict') this.#showVerdict(data);
  }

  async #startRun() {
    const wearerId = this.#picker.selected;
    if (!wearerId) {
      say(this.#message, 'Choose a wearer first (or add one above).');
      return;
    }
    say(this.#message, '');
    this.#clearResult();
    this.#setCue('started', null, 'Starting…', 'Sit comfortably and look at this area.');
    try {
      this.#camp.set(await post('/api/calibration', { wearerId }));
    } catch (error) {
      this.#setCue('idle', null, 'Not started.', '');
      say(this.#message, `Could not start the calibration: ${error.message}`);
    }
  }

  async #cancelRun() {
    try {
      await post('/api/camp/cancel');
    } catch (error) {
      say(this.#message, `Could not cancel: ${error.message}`);
    }
  }

  #runChanged(run) {
    const busy = this.#camp.active;
    const mine = this.#camp.isActive('calibration');
    this.#start.disabled = busy;
    this.#cancel.disabled = !mine;
    if (!run || run.kind !== 'calibration') return;
    if (mine) {
      this.#stage.textContent = `Calibration of ${run.wearerId ?? 'the wearer'} since ${time(run.started)}: ${run.detail ?? run.state}`;
      if (this.#cue.dataset.phase === 'idle') this.#setCue('waiting', null, 'Waiting for the next cue…', 'Keep looking at this area.');
      return;
    }
    if (run.state === 'passed' || run.state === 'refused') {
      if (this.#verdict.hidden) this.#restoreVerdict(run);
    } else {
      this.#stage.textContent = `${ENDED_WORDS[run.state] ?? run.state}${run.detail ? `: ${run.detail}` : '.'}`;
    }
    this.#fraction.hidden = true;
    this.#setCue('idle', null, run.state === 'passed' || run.state === 'refused' ? 'The session is over.' : 'No calibration running.', '');
    this.#progress.textContent = '';
  }

  #showCue(data) {
    clearInterval(this.#breakTimer);
    if (data.trial && data.trials) {
      this.#progress.textContent = `Trial ${data.trial} of ${data.trials} · block ${data.block ?? 1} of ${data.blocks ?? 1}`;
    }
    switch (data.phase) {
      case 'started':
        this.#clearResult();
        this.#setCue('started', null, 'Get ready', 'The first cue comes in a few seconds.');
        break;
      case 'fixation':
        this.#setCue('fixation', null, 'Look at the cross', '', data.seconds);
        break;
      case 'cue':
        this.#setCue('cue', data.cls, data.label ?? cueWord(data.cls), data.cls === 'rest'
          ? 'Relax: imagine no movement.' : 'Imagine the movement until the cue goes away.', data.seconds);
        break;
      case 'rest':
        this.#setCue('rest', null, 'Rest', 'Relax, blink if you need to.', data.seconds);
        break;
      case 'break':
        this.#countDown(data.seconds ?? 0);
        break;
      case 'ended':
        this.#setCue('ended', null, 'Session recorded', 'Now the unit trains the decoder; this takes a minute or two.');
        break;
      default:
        this.#setCue(String(data.phase ?? 'idle'), null, data.label ?? '', '');
    }
  }

  #countDown(seconds) {
    let left = Math.max(0, Math.round(seconds));
    const tick = () => this.#setCue('break', null, 'Break', `Stretch, relax, drink something. Next block in ${left} s.`);
    tick();
    this.#breakTimer = setInterval(() => {
      left = Math.max(0, left - 1);
      tick();
      if (left === 0) clearInterval(this.#breakTimer);
    }, 1000);
  }

  #setCue(phase, cls, word, detail, seconds) {
    this.#cue.dataset.phase = phase;
    this.#cue.dataset.cls = cls ?? '';
    clear(this.#symbol);
    const symbol = cueSymbol(phase, cls);
    if (symbol) this.#symbol.append(symbol);
    if (seconds > 0 && (phase === 'cue' || phase === 'fixation' || phase === 'rest')) {
      // A draining bar shows how long this phase lasts (static under prefers-reduced-motion).
      const timer = el('div', { class: 'cue-timer' });
      timer.style.animationDuration = `${seconds}s`;
      this.#symbol.append(timer);
    }
    this.#word.textContent = word;
    this.#detail.textContent = detail;
  }

  #showProgress(data) {
    this.#stage.textContent = `${STAGE_WORDS[data.stage] ?? data.stage ?? 'Working'}: ${data.text ?? ''}`;
    if (typeof data.fraction === 'number') {
      this.#fraction.hidden = false;
      this.#fraction.value = Math.min(1, Math.max(0, data.fraction));
    }
  }

  #showVerdict(data) {
    this.#fraction.hidden = true;
    renderVerdict(this.#verdict, {
      passed: Boolean(data.passed),
      text: data.text,
      accuracy: data.accuracy,
      chance: data.chance,
      itr: data.itrBitsPerMinute,
      installed: data.installed,
    });
    this.#showReport(data.reportUrl);
    this.#stage.textContent = data.passed ? 'Passed the acceptance gate.' : 'Refused by the acceptance gate.';
  }

  /** After a reload: the run is over, its verdict is the wearer's last calibration record. */
  async #restoreVerdict(run) {
    try {
      const history = await get(`/api/history?wearer=${encodeURIComponent(run.wearerId)}`);
      const last = (history.calibrations ?? []).at(-1);
      if (!last) return;
      renderVerdict(this.#verdict, {
        passed: last.verdict === 'passed',
        text: last.verdictText ?? run.detail,
        accuracy: last.accuracy,
        chance: last.chance,
        itr: last.itrBitsPerMinute,
        installed: last.installed,
      });
      this.#showReport(last.reportPath ? `/api/calibration/${encodeURIComponent(last.id)}/report` : null);
    } catch (error) {
      say(this.#message, `Could not read the last verdict: ${error.message}`);
    }
  }

  #showReport(url) {
    this.#report.hidden = !url;
    if (url) this.#report.href = url;
    else this.#report.removeAttribute('href');
  }

  #clearResult() {
    this.#verdict.hidden = true;
    this.#verdict.removeAttribute('data-passed');
    this.#showReport(null);
    this.#progress.textContent = '';
    this.#fraction.hidden = true;
  }
}

function renderVerdict(root, verdict) {
  clear(root);
  root.dataset.passed = String(verdict.passed);
  // append() writes a null argument as the text "null": the lines a verdict does not have are left out instead.
  root.append(...[
    el('h2', { text: verdict.passed ? 'Passed: this decoder may drive.' : 'Refused: the unit keeps the decoder it has.' }),
    verdict.text ? el('p', { text: verdict.text }) : null,
    typeof verdict.accuracy === 'number'
      ? el('p', { text: `Right on ${percent(verdict.accuracy)} of the held-out trials; chance is ${percent(verdict.chance)}.` })
      : null,
    typeof verdict.itr === 'number' ? el('p', { text: `Information transfer rate: ${verdict.itr.toFixed(2)} bits per minute.` }) : null,
    verdict.passed
      ? el('p', { text: verdict.installed ? 'Installed: the unit takes it up the next time it is disarmed.' : 'Not installed on the unit.' })
      : null,
  ].filter((line) => line !== null));
  root.hidden = false;
}

function cueWord(cls) {
  return cls === 'left' ? 'LEFT hand' : cls === 'right' ? 'RIGHT hand' : 'REST';
}

function cueSymbol(phase, cls) {
  const root = svg('svg', { viewBox: '-50 -50 100 100', class: 'cue-svg' });
  if (phase === 'fixation') {
    root.append(svg('path', { class: 'cross', d: 'M -30 0 H 30 M 0 -30 V 30' }));
  } else if (phase === 'cue' && (cls === 'left' || cls === 'right')) {
    const arrow = svg('path', { class: 'arrow', d: 'M -42 0 L -8 -32 V -14 H 42 V 14 H -8 V 32 Z' });
    if (cls === 'right') arrow.setAttribute('transform', 'scale(-1 1)');
    root.append(arrow);
  } else if (phase === 'cue') {
    root.append(svg('rect', { class: 'rest-mark', x: -30, y: -30, width: 60, height: 60, rx: 8 }));
  } else {
    return null;
  }
  return root;
}

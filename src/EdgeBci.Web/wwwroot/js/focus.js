// The Focus training view: a baseline sets the wearer's own range, then the focus index drives a bar (and an optional
// tone) towards the target zone; the score is the time spent in the zone.
import { byTestId, say } from './dom.js';
import { get, post } from './api.js';
import { minutesSeconds, percent } from './format.js';
import { ToneFeedback } from './tone.js';

const LIMITS = { baseline: [10, 600], session: [30, 3600] };

export class FocusView {
  #picker;
  #camp;
  #tone = new ToneFeedback();
  #form = document.getElementById('focus-form');
  #baseline = byTestId('baseline-seconds');
  #session = byTestId('session-seconds');
  #toneBox = byTestId('focus-tone');
  #start = byTestId('focus-start');
  #stop = byTestId('focus-stop');
  #phase = byTestId('focus-phase');
  #bar = byTestId('focus-bar');
  #zone = byTestId('focus-zone');
  #track = document.getElementById('bar-track');
  #clock = document.getElementById('focus-clock');
  #score = byTestId('focus-score');
  #message = document.getElementById('focus-message');
  #last = null;

  constructor(picker, camp) {
    this.#picker = picker;
    this.#camp = camp;
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#startRun();
    });
    this.#stop.addEventListener('click', () => this.#stopRun());
    this.#toneBox.addEventListener('change', () => this.#toneChanged());
    camp.onChange((run) => this.#runChanged(run));
  }

  handle(event) {
    if (event.type === 'focus') this.#showFocus(event.data ?? {});
  }

  /** The "ended" event of a neurofeedback run: its score. */
  ended(data) {
    this.#tone.silence();
    this.#track.classList.remove('in-zone');
    if (typeof data.score === 'number') {
      this.#showScore(data.score, this.#last?.secondsInZone, this.#last?.elapsed, data.state);
    } else {
      this.#score.removeAttribute('data-score');
      this.#score.textContent = `No score: the session ended ${data.state === 'cancelled' ? 'early' : `as ${data.state}`}${data.detail ? ` (${data.detail})` : ''}.`;
    }
  }

  #readSeconds(input, [low, high], name) {
    const value = Number(input.value);
    if (!input.value.trim() || !Number.isFinite(value) || value < low || value > high) {
      throw new RangeError(`${name} must be a number of seconds from ${low} to ${high} (it is "${input.value}").`);
    }
    return value;
  }

  async #startRun() {
    const wearerId = this.#picker.selected;
    let baselineSeconds;
    let sessionSeconds;
    try {
      if (!wearerId) throw new RangeError('Choose a wearer first (or add one above).');
      baselineSeconds = this.#readSeconds(this.#baseline, LIMITS.baseline, 'Baseline');
      sessionSeconds = this.#readSeconds(this.#session, LIMITS.session, 'Session');
    } catch (error) {
      say(this.#message, error.message);
      return;
    }
    say(this.#message, '');
    this.#score.textContent = '';
    this.#score.removeAttribute('data-score');
    this.#last = null;
    this.#setBar(0, (value) => value, false);
    this.#zone.hidden = true;
    try {
      this.#camp.set(await post('/api/neurofeedback', { wearerId, baselineSeconds, sessionSeconds, tone: this.#toneBox.checked }));
      this.#phase.textContent = 'Baseline: relax, look at the screen.';
    } catch (error) {
      say(this.#message, `Could not start the session: ${error.message}`);
    }
  }

  async #stopRun() {
    try {
      await post('/api/camp/cancel');
    } catch (error) {
      say(this.#message, `Could not stop the session: ${error.message}`);
    }
  }

  #toneChanged() {
    try {
      if (this.#toneBox.checked) this.#tone.enable();
      else this.#tone.disable();
    } catch (error) {
      this.#toneBox.checked = false;
      say(this.#message, `No tone: ${error.message}`);
    }
  }

  #runChanged(run) {
    const mine = this.#camp.isActive('neurofeedback');
    this.#start.disabled = this.#camp.active;
    this.#stop.disabled = !mine;
    this.#baseline.disabled = mine;
    this.#session.disabled = mine;
    if (mine && !this.#last) this.#phase.textContent = `A session for ${run.wearerId ?? 'the wearer'} is running; the bar moves with the next reading.`;
    if (!mine) {
      this.#tone.silence();
      if (run?.kind === 'neurofeedback' && run.state === 'completed' && !this.#score.hasAttribute('data-score')) this.#restoreScore(run);
    }
  }

  #showFocus(data) {
    this.#last = data;
    const score = Math.min(1, Math.max(0, data.score ?? 0));
    const hasZone = data.phase === 'session' && typeof data.targetLow === 'number' && typeof data.targetHigh === 'number';
    const scale = barScale(data, hasZone);
    this.#setBar(score, scale, Boolean(data.inZone));
    this.#zone.hidden = !hasZone;
    if (hasZone) {
      this.#zone.style.bottom = `${scale(data.targetLow) * 100}%`;
      this.#zone.style.height = `${Math.max(0, scale(data.targetHigh) - scale(data.targetLow)) * 100}%`;
    }
    this.#phase.textContent = data.phase === 'baseline'
      ? 'Baseline: relax, look at the screen.'
      : data.inZone ? 'In the green band: keep it there.' : 'Raise the bar into the green band.';
    this.#clock.textContent = `${data.phase === 'baseline' ? 'Baseline' : 'Session'} ${minutesSeconds(data.elapsed)} of ${minutesSeconds(data.duration)}`
      + (data.phase === 'session' ? ` · in the zone ${minutesSeconds(data.secondsInZone)}` : '');
    if (data.phase === 'session' && data.ready !== false) this.#tone.follow(score, Boolean(data.inZone));
    else this.#tone.silence();
  }

  #setBar(score, scale, inZone) {
    this.#bar.style.height = `${scale(score) * 100}%`;
    this.#bar.dataset.score = score.toFixed(3);
    this.#track.classList.toggle('in-zone', inZone);
  }

  #showScore(score, secondsInZone, seconds, state) {
    this.#score.dataset.score = score.toFixed(4);
    const inZone = typeof secondsInZone === 'number' ? secondsInZone : null;
    const total = typeof seconds === 'number' && seconds > 0 ? seconds : null;
    this.#score.textContent = `Time in the target zone: ${inZone !== null ? minutesSeconds(inZone) : '–'}`
      + `${total !== null ? ` of ${minutesSeconds(total)}` : ''} (${percent(score)})${state === 'cancelled' ? ', stopped early' : ''}.`;
    this.#phase.textContent = 'Session over. Well done.';
  }

  /** After a reload: the finished session is the wearer's latest focus record. */
  async #restoreScore(run) {
    try {
      const history = await get(`/api/history?wearer=${encodeURIComponent(run.wearerId)}`);
      const last = (history.focus ?? []).at(-1);
      if (last) this.#showScore(last.score, last.secondsInZone, last.seconds, last.completed ? 'completed' : 'cancelled');
    } catch (error) {
      say(this.#message, `Could not read the last score: ${error.message}`);
    }
  }
}

/**
 * Where a focus index sits on the bar, 0..1. A wearer's index moves within a narrow range of its own (a few hundredths
 * for some), which on a 0..1 bar would barely move and put the zone in a sliver: once the baseline has measured that
 * range, the bar spans it with a range's width of room below and above the zone.
 */
function barScale(data, hasZone) {
  if (!hasZone || typeof data.baselineLow !== 'number' || typeof data.baselineHigh !== 'number') return (value) => value;
  const width = Math.max(0.01, data.baselineHigh - data.baselineLow);
  const low = Math.max(0, data.baselineLow - width);
  const high = Math.min(1, Math.max(data.targetHigh, data.baselineHigh) + width);
  return (value) => Math.min(1, Math.max(0, (value - low) / (high - low)));
}

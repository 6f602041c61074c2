// Optional audio feedback (WebAudio): a soft tone whose pitch follows the focus score and that is louder in the zone.
// Off by default; browsers only start audio from a user gesture, so the checkbox's change starts it.

const QUIET = 0.015;
const IN_ZONE = 0.12;
const SMOOTHING_SECONDS = 0.15;

export class ToneFeedback {
  #context = null;
  #oscillator = null;
  #gain = null;

  get enabled() {
    return this.#context !== null;
  }

  /** Call from the user's gesture (the checkbox's change). */
  enable() {
    if (this.#context) return;
    const AudioContextType = window.AudioContext ?? window.webkitAudioContext;
    if (!AudioContextType) throw new Error('this browser has no WebAudio');
    this.#context = new AudioContextType();
    this.#gain = this.#context.createGain();
    this.#gain.gain.value = 0;
    this.#oscillator = this.#context.createOscillator();
    this.#oscillator.type = 'sine';
    this.#oscillator.frequency.value = 330;
    this.#oscillator.connect(this.#gain).connect(this.#context.destination);
    this.#oscillator.start();
    // Created in the gesture's handler, but some browsers still start it suspended.
    this.#context.resume().catch(() => {});
  }

  disable() {
    if (!this.#context) return;
    this.#oscillator.stop();
    this.#context.close();
    this.#context = null;
    this.#oscillator = null;
    this.#gain = null;
  }

  /** score 0..1 → 220..660 Hz; louder inside the target zone. */
  follow(score, inZone) {
    if (!this.#context) return;
    const now = this.#context.currentTime;
    this.#oscillator.frequency.setTargetAtTime(220 + 440 * Math.min(1, Math.max(0, score)), now, SMOOTHING_SECONDS);
    this.#gain.gain.setTargetAtTime(inZone ? IN_ZONE : QUIET, now, SMOOTHING_SECONDS);
  }

  silence() {
    if (!this.#context) return;
    this.#gain.gain.setTargetAtTime(0, this.#context.currentTime, SMOOTHING_SECONDS);
  }
}

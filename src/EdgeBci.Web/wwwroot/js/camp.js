// The unit runs one camp job at a time (calibration or focus training): who is running, shared by the views.

const ACTIVE_STATES = new Set(['baseline', 'running', 'training']);

export class CampRunState {
  #run = null;
  #listeners = [];
  #refreshing = false;

  /** A CampRun from the API ({runId, kind, wearerId, state, started, detail}) or null. */
  get run() {
    return this.#run;
  }

  get active() {
    return this.#run !== null && ACTIVE_STATES.has(this.#run.state);
  }

  isActive(kind) {
    return this.active && this.#run.kind === kind;
  }

  onChange(listener) {
    this.#listeners.push(listener);
  }

  set(run) {
    this.#run = run;
    for (const listener of this.#listeners) listener(run);
  }

  /** The "ended" camp event closes the run it belongs to. */
  ended(data) {
    if (!this.#run) return;
    this.set({ ...this.#run, state: data.state ?? 'completed', detail: data.detail ?? this.#run.detail });
  }

  /**
   * Asks the unit for its current run (GET /api/camp/current: a CampRun or 204): on load, and when events arrive for a
   * run this screen did not start (another screen did, or the page was reloaded mid-run).
   */
  async refresh(get) {
    if (this.#refreshing) return;
    this.#refreshing = true;
    try {
      this.set(await get('/api/camp/current'));
    } finally {
      this.#refreshing = false;
    }
  }
}

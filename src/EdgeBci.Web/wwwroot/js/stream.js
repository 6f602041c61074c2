// The unit's live stream (server-sent events): traces, 1 Hz status and the camp's events, fanned out to the views.
import { goToPairing } from './api.js';

export class LiveStream {
  #handlers = new Map();
  #source = null;
  #onState;

  /** onState(state, words): "open" | "connecting" | "closed". */
  constructor(onState) {
    this.#onState = onState;
  }

  on(type, handler) {
    if (!this.#handlers.has(type)) this.#handlers.set(type, []);
    this.#handlers.get(type).push(handler);
    return this;
  }

  open() {
    const source = new EventSource('/api/stream');
    this.#source = source;
    source.onopen = () => this.#onState('open', 'Live link: connected');
    source.onerror = () => this.#lost();
    for (const type of ['traces', 'status', 'camp']) {
      source.addEventListener(type, (event) => this.#dispatch(type, event.data));
    }
  }

  #dispatch(type, text) {
    let data;
    try {
      data = JSON.parse(text);
    } catch {
      this.#onState('open', `Live link: a "${type}" event that is not JSON was skipped`);
      return;
    }
    for (const handler of this.#handlers.get(type) ?? []) handler(data);
  }

  async #lost() {
    // EventSource retries on its own; it cannot tell a 401 from a dropped link, so ask the API which it is.
    this.#onState('connecting', 'Live link: reconnecting…');
    try {
      const response = await fetch('/api/unit', { credentials: 'same-origin', cache: 'no-store' });
      if (response.status === 401) {
        this.#source.close();
        goToPairing();
      }
    } catch {
      this.#onState('closed', 'Live link: the unit does not answer; retrying');
    }
  }
}

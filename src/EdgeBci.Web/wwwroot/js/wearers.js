// The wearer picker shared by the calibration, focus and history views (GET/POST /api/wearers).
import { byTestId, el, clear, say } from './dom.js';
import { get, post } from './api.js';

const REMEMBERED = 'edgebci.wearer';
// Like WearerFolder.ValidateId on the unit; the unit checks again and its words win.
const ID_PATTERN = /^[a-z0-9_-]{1,64}$/;

export class WearerPicker {
  #select = byTestId('wearer-select');
  #newId = byTestId('wearer-new-id');
  #message = document.getElementById('wearer-message');
  #listeners = [];

  constructor() {
    this.#select.addEventListener('change', () => this.#changed());
    document.getElementById('wearer-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.#create();
    });
  }

  get selected() {
    return this.#select.value || null;
  }

  onChange(listener) {
    this.#listeners.push(listener);
  }

  /** Locks the choice while a run is going: the run belongs to one wearer. */
  lock(wearerId) {
    if (wearerId && this.#select.value !== wearerId && [...this.#select.options].some((o) => o.value === wearerId)) {
      this.#select.value = wearerId;
      this.#changed();
    }
    this.#select.disabled = Boolean(wearerId);
  }

  async load() {
    try {
      this.#fill(await get('/api/wearers'), localStorage.getItem(REMEMBERED));
    } catch (error) {
      say(this.#message, `Could not list the wearers: ${error.message}`);
    }
  }

  async #create() {
    const id = this.#newId.value.trim();
    if (!ID_PATTERN.test(id)) {
      say(this.#message, `"${id}" is not a wearer id: use 1 to 64 characters of a-z (lower case), 0-9, - and _ (it names a folder on the unit).`);
      return;
    }
    try {
      await post('/api/wearers', { id, displayName: id });
      this.#newId.value = '';
      say(this.#message, '');
      this.#fill(await get('/api/wearers'), id);
    } catch (error) {
      say(this.#message, `Could not add the wearer "${id}": ${error.message}`);
    }
  }

  #fill(wearers, preferred) {
    const previous = this.#select.value;
    clear(this.#select);
    if (wearers.length === 0) this.#select.append(el('option', { value: '', text: 'no wearer yet: add one' }));
    for (const wearer of wearers) {
      this.#select.append(el('option', { value: wearer.id, text: wearer.displayName && wearer.displayName !== wearer.id ? `${wearer.displayName} (${wearer.id})` : wearer.id }));
    }
    const wanted = [preferred, previous].find((id) => id && wearers.some((w) => w.id === id));
    if (wanted) this.#select.value = wanted;
    if (this.#select.value !== previous) this.#changed();
  }

  #changed() {
    if (this.#select.value) localStorage.setItem(REMEMBERED, this.#select.value);
    for (const listener of this.#listeners) listener(this.selected);
  }
}

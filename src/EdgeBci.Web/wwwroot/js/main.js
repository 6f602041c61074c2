// The wearer's page: header (unit status, STOP, unpair), the four views, and the live stream that feeds them.
import { byTestId, say } from './dom.js';
import { get, post, goToPairing } from './api.js';
import { LiveStream } from './stream.js';
import { CampRunState } from './camp.js';
import { WearerPicker } from './wearers.js';
import { ElectrodesView } from './electrodes.js';
import { CalibrationView } from './calibration.js';
import { FocusView } from './focus.js';
import { HistoryView } from './history.js';

const VIEWS = ['electrodes', 'calibration', 'focus', 'history'];

const unitStatus = byTestId('unit-status');
const stopButton = byTestId('stop-button');
const stopReply = document.getElementById('stop-reply');
const linkState = document.getElementById('link-state');
const wearerBar = document.getElementById('wearer-bar');

const camp = new CampRunState();
const picker = new WearerPicker();
const electrodes = new ElectrodesView();
const calibration = new CalibrationView(picker, camp);
const focus = new FocusView(picker, camp);
const history = new HistoryView();
let currentView = null;

function showView(name) {
  const view = VIEWS.includes(name) ? name : 'electrodes';
  currentView = view;
  for (const other of VIEWS) {
    const selected = other === view;
    const tab = byTestId(`tab-${other}`);
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    byTestId(`view-${other}`).hidden = !selected;
  }
  wearerBar.hidden = view === 'electrodes';
  electrodes.setVisible(view === 'electrodes');
  if (view === 'history') history.load(picker.selected);
  if (location.hash !== `#${view}`) replaceHash(view);
}

function replaceHash(view) {
  window.history.replaceState(null, '', `#${view}`);
}

function showStatus(status) {
  if (!status) return;
  const words = `Supervisor: ${status.supervisor}${status.armed ? ' (armed)' : ''} · output: ${status.output}`;
  if (unitStatus.textContent !== words) unitStatus.textContent = words;
  unitStatus.dataset.supervisor = status.supervisor;
  unitStatus.dataset.armed = String(status.armed);
  unitStatus.title = `Decoder: ${status.model}${status.intent ? ` · last decision ${status.intent}` : ''}`
    + `${typeof status.focus === 'number' ? ` · focus ${status.focus.toFixed(2)}` : ''}`;
}

async function requestStop() {
  stopButton.disabled = true;
  say(stopReply, 'Asking the unit to stop…', 'info');
  try {
    const answer = await post('/api/stop');
    say(stopReply, `${answer.stopped ? 'Stopped' : 'Not stopped'}: ${answer.reply}`, answer.stopped ? 'ok' : 'error');
  } catch (error) {
    say(stopReply, `STOP was not confirmed: ${error.message}. Use the unit's own stop.`);
  } finally {
    stopButton.disabled = false;
  }
}

async function unpair() {
  try {
    await post('/api/unpair');
  } catch {
    // Already unpaired or the unit is gone: the pairing page is the right place either way.
  }
  goToPairing();
}

function onCampEvent(event) {
  if (event.type === 'ended') {
    const kind = event.data?.kind ?? camp.run?.kind;
    camp.ended(event.data ?? {});
    if (kind === 'neurofeedback') focus.ended(event.data ?? {});
    if (currentView === 'history') history.load(picker.selected);
    return;
  }
  if (!camp.active) camp.refresh(get).catch(() => {});
  if (event.type === 'focus') focus.handle(event);
  else calibration.handle(event);
}

async function start() {
  for (const name of VIEWS) byTestId(`tab-${name}`).addEventListener('click', () => showView(name));
  document.querySelector('.tabs').addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    const next = (VIEWS.indexOf(currentView) + (event.key === 'ArrowRight' ? 1 : VIEWS.length - 1)) % VIEWS.length;
    showView(VIEWS[next]);
    byTestId(`tab-${VIEWS[next]}`).focus();
  });
  window.addEventListener('hashchange', () => showView(location.hash.slice(1)));
  stopButton.addEventListener('click', requestStop);
  byTestId('unpair').addEventListener('click', unpair);
  camp.onChange((run) => picker.lock(camp.active ? run.wearerId : null));
  picker.onChange((wearerId) => {
    if (currentView === 'history') history.load(wearerId);
  });
  showView(location.hash.slice(1));

  const stream = new LiveStream((state, words) => {
    linkState.dataset.state = state;
    linkState.textContent = words;
  });
  stream.on('traces', (batch) => electrodes.pushTraces(batch))
    .on('status', (data) => {
      showStatus(data.status);
      if (data.electrodes) electrodes.showElectrodes(data.electrodes);
      if (data.dropped > 0) linkState.textContent = `Live link: connected (${data.dropped} messages dropped for this screen)`;
    })
    .on('camp', onCampEvent);

  try {
    const unit = await get('/api/unit');
    document.getElementById('device-id').textContent = `Unit ${unit.deviceId}`;
    electrodes.setUnit(unit);
    showStatus(unit.status);
    stream.open();
    const [snapshot] = await Promise.all([get('/api/electrodes'), picker.load(), camp.refresh(get)]);
    electrodes.showElectrodes(snapshot);
  } catch (error) {
    if (error.status !== 401) say(stopReply, `The unit did not answer as expected: ${error.message}`);
  }
}

start();

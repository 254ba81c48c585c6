// The moderator page: signs in with a moderator token (exchanged for an HttpOnly session cookie), lists a
// review queue with blurred previews, shows the selected image's reports and history, and decides with the
// keyboard: j/k move, u uphold, r restore, x remove (press twice), space reveal the original.

const $ = (selector) => document.querySelector(selector);
const state = { items: [], selected: -1, cursor: null, detail: null, detailLoading: null, removeArmedFor: null, deciding: false };

function say(message, isError = false) {
  const status = $('#status');
  status.textContent = message;
  status.classList.toggle('error', isError);
}

/** fetch with the session cookie; answers the parsed JSON or throws an Error carrying the API's code. */
async function api(path, init = {}) {
  const response = await fetch(path, { credentials: 'same-origin', ...init });
  if (response.status === 204) return null;
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(body.error?.message ?? `HTTP ${response.status}`);
    error.status = response.status;
    error.code = body.error?.code;
    throw error;
  }
  return body;
}

function explain(error) {
  if (error.status === 401) {
    showSignIn();
    return 'Your session has expired or is invalid: sign in again.';
  }
  if (error.code === 'status_changed') return `This image changed since you loaded it: ${error.message}.`;
  if (error.code === 'invalid_transition') return `Not possible: ${error.message}.`;
  if (error.status === 403) return 'This needs a moderator token.';
  return `Something went wrong: ${error.message}`;
}

/** Shows the sign-in form, or the review screen and its controls. */
function showSignedIn(signedIn) {
  $('#sign-in').hidden = signedIn;
  for (const selector of ['#review', '#filters', '#dashboard-link', '#sign-out']) $(selector).hidden = !signedIn;
}

const showSignIn = () => showSignedIn(false);
const showReview = () => showSignedIn(true);

function filters() {
  const form = new FormData($('#filters'));
  const params = new URLSearchParams();
  for (const [key, value] of form) if (value) params.set(key, String(value));
  return params;
}

function reasonsText(byReason) {
  return Object.entries(byReason).map(([reason, count]) => `${reason} ${count}`).join(' · ') || 'no reports';
}

function renderQueue() {
  const list = $('#queue');
  list.replaceChildren(
    ...state.items.map((item, index) => {
      const li = document.createElement('li');
      li.dataset.id = item.id;
      li.setAttribute('aria-selected', String(index === state.selected));
      const img = document.createElement('img');
      img.src = item.previewUrl;
      img.alt = 'Blurred preview';
      const text = document.createElement('div');
      const score = document.createElement('div');
      score.className = 'score';
      score.textContent = `score ${item.score} · ${item.openReports} open${item.suspectedBrigade ? ' · suspected brigade' : ''}`;
      const reasons = document.createElement('div');
      reasons.className = 'reasons';
      reasons.textContent = reasonsText(item.byReason);
      const when = document.createElement('div');
      when.className = 'reasons';
      when.textContent = `${item.status} since ${new Date(item.queuedAt).toLocaleString()}`;
      text.append(score, reasons, when);
      li.append(img, text);
      li.addEventListener('click', () => select(index));
      return li;
    }),
  );
  $('#empty').hidden = state.items.length > 0;
  $('#more').hidden = !state.cursor;
  $('#detail').hidden = state.selected < 0;
}

async function loadQueue({ append = false } = {}) {
  const params = filters();
  if (append && state.cursor) params.set('cursor', state.cursor);
  const page = await api(`/v1/moderation/queue?${params}`);
  state.items = append ? [...state.items, ...page.items] : page.items;
  state.cursor = page.nextCursor;
  showReview();
  if (!append) state.selected = state.items.length ? 0 : -1;
  renderQueue();
  if (!append && state.selected >= 0) await loadDetail();
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const cell of cells) {
    const td = document.createElement('td');
    td.textContent = cell ?? '';
    tr.append(td);
  }
  return tr;
}

async function loadDetail() {
  const item = state.items[state.selected];
  if (!item) return;
  const loading = api(`/v1/moderation/images/${item.id}`);
  state.detailLoading = loading.catch(() => undefined);
  const detail = await loading;
  if (state.items[state.selected]?.id !== item.id) return; // the moderator moved on meanwhile
  state.detail = detail;
  state.removeArmedFor = null;
  $('#preview').src = detail.links.previewUrl;
  $('#preview').alt = 'Blurred preview of the selected image';
  $('#reveal').disabled = detail.image.status === 'removed';
  const facts = {
    Image: detail.image.id,
    Status: detail.image.status,
    Uploader: detail.image.uploaderId,
    Size: `${detail.image.width ?? '?'}×${detail.image.height ?? '?'} ${detail.image.format ?? ''}`,
    'Open score': `${detail.image.openScore} from ${detail.image.openReports} open reports`,
    'Brigade guard': detail.image.suspectedBrigadeAt ? `suspected brigade since ${new Date(detail.image.suspectedBrigadeAt).toLocaleString()} (see history)` : 'no burst from low-trust reporters',
  };
  $('#facts').replaceChildren(
    ...Object.entries(facts).flatMap(([key, value]) => {
      const dt = document.createElement('dt');
      dt.textContent = key;
      const dd = document.createElement('dd');
      dd.textContent = String(value);
      return [dt, dd];
    }),
  );
  $('#reports tbody').replaceChildren(
    ...detail.reports.map((report) =>
      row([`${report.reporterId} (${report.reporterKind}${report.lowTrust ? ', low-trust' : ''})`, report.reason, report.note, String(report.weight), report.status, new Date(report.createdAt).toLocaleString()]),
    ),
  );
  $('#reporters tbody').replaceChildren(
    ...detail.reporters.map((reporter) =>
      row([reporter.reporterId, String(reporter.upheld), String(reporter.dismissed), reporter.suppressed ? '0 (suppressed)' : String(reporter.currentWeight)]),
    ),
  );
  $('#history').replaceChildren(
    ...detail.history.map((event) => {
      const li = document.createElement('li');
      li.textContent = `${new Date(event.createdAt).toLocaleString()} · ${event.actor} · ${event.action} (${event.fromStatus ?? '—'} → ${event.toStatus}): ${event.reason}`;
      return li;
    }),
  );
}

async function select(index) {
  if (index < 0 || index >= state.items.length) return;
  state.selected = index;
  renderQueue();
  document.querySelector(`#queue li[data-id="${state.items[index].id}"]`)?.scrollIntoView({ block: 'nearest' });
  await loadDetail().catch((error) => say(explain(error), true));
}

async function reveal() {
  const detail = state.detail;
  if (!detail || detail.image.status === 'removed') return;
  const response = await fetch(detail.links.originalUrl, { credentials: 'same-origin' });
  if (!response.ok) return say(`The original cannot be shown (HTTP ${response.status}).`, true);
  const blob = await response.blob();
  // The moderator may have moved on while it loaded: never show one image's original beside another's details.
  if (state.detail !== detail) return;
  $('#preview').src = URL.createObjectURL(blob);
  $('#preview').alt = 'Original of the selected image';
  say('Showing the original.');
}

async function decide(action) {
  const item = state.items[state.selected];
  if (!item || state.deciding) return; // one decision at a time: a second key press waits for the first
  // A key pressed while the selected image's details load applies once they are on screen, never to another image.
  if (state.detail?.image.id !== item.id) await state.detailLoading;
  if (state.detail?.image.id !== item.id || state.items[state.selected]?.id !== item.id || state.deciding) return;
  if (action === 'remove' && state.removeArmedFor !== item.id) {
    state.removeArmedFor = item.id;
    return say('Press x again to remove this image for good (its files are deleted).');
  }
  state.removeArmedFor = null;
  state.deciding = true;
  try {
    const result = await api(`/v1/moderation/images/${item.id}/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action, expectedStatus: item.status }),
    });
    say(`${action === 'uphold' ? 'Upheld' : action === 'restore' ? 'Restored' : 'Removed'}: image is now ${result.status} (${result.closedReports} reports closed).`);
  } catch (error) {
    say(explain(error), true);
    if (error.code !== 'status_changed') return;
  } finally {
    state.deciding = false;
  }
  // Decided (by us or someone else): it leaves this queue; select the one after it.
  const index = state.items.findIndex((candidate) => candidate.id === item.id);
  if (index >= 0) state.items.splice(index, 1);
  if (state.selected >= state.items.length) state.selected = state.items.length - 1;
  renderQueue();
  if (state.selected >= 0) await loadDetail().catch((error) => say(explain(error), true));
}

function onKey(event) {
  if ($('#review').hidden || event.target.closest('input, textarea, select') || event.ctrlKey || event.metaKey || event.altKey) return;
  const actions = {
    j: () => select(state.selected + 1),
    k: () => select(state.selected - 1),
    u: () => decide('uphold'),
    r: () => decide('restore'),
    x: () => decide('remove'),
    ' ': () => reveal(),
  };
  const run = actions[event.key];
  if (!run) return;
  event.preventDefault();
  run();
}

$('#sign-in').addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = $('#token').value.trim();
  try {
    const session = await api('/v1/moderation/session', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    $('#token').value = '';
    say(`Signed in as ${session.moderatorId}.`);
    await loadQueue();
  } catch (error) {
    say(error.status === 401 ? 'That token is not valid or has expired.' : explain(error), true);
  }
});
$('#sign-out').addEventListener('click', async () => {
  await api('/v1/moderation/session', { method: 'DELETE' });
  say('Signed out.');
  showSignIn();
});
$('#filters').addEventListener('change', () => loadQueue().catch((error) => say(explain(error), true)));
$('#more').addEventListener('click', () => loadQueue({ append: true }).catch((error) => say(explain(error), true)));
$('#reveal').addEventListener('click', () => reveal());
for (const button of document.querySelectorAll('[data-action]')) {
  button.addEventListener('click', () => decide(button.dataset.action));
}
document.addEventListener('keydown', onKey);

loadQueue().catch((error) => {
  if (error.status === 401) showSignIn();
  else say(explain(error), true);
});

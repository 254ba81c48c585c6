// The moderator page: signs in (the organisation's account, or a development token) to a server-side session,
// lists a review queue (a listbox) with blurred previews and per-queue counts, shows the selected image's reports
// and history, and decides one image or the checked ones, with a note. Single-key shortcuts (j/k move, c check,
// u uphold, r restore, x remove twice, space reveal) can be turned off (WCAG 2.1.4).

import { LANG, t, translatePage } from './moderate-i18n.js';

translatePage();
const LANG_IS_EN = LANG === 'en';
const $ = (selector) => document.querySelector(selector);
const state = {
  items: [],
  selected: -1,
  cursor: null,
  detail: null,
  detailLoading: null,
  removeArmedFor: null,
  deciding: false,
  checked: new Set(),
  me: null,
};
/** Queues whose images were decided: their items count every report, not open ones. */
const CLOSED_QUEUES = ['blocked', 'restored', 'removed'];
const SHORTCUTS_KEY = 'imgmod.shortcuts';

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
    return t('Your session has expired or is invalid: sign in again.');
  }
  if (error.code === 'status_changed') return t('This image changed since you loaded it: {message}.', { message: error.message });
  if (error.code === 'invalid_transition') return t('Not possible: {message}.', { message: error.message });
  if (error.status === 403) return t('This needs a moderator.');
  return t('Something went wrong: {message}', { message: error.message });
}

/** The sign-ins this service offers (GET /auth/options), asked once. */
let signInOptions = null;

/** Shows the sign-in choices (the organisation's account, and the development token form when enabled), or the review screen. */
function showSignedIn(signedIn) {
  $('#sign-in-options').hidden = signedIn;
  for (const selector of ['#review', '#filters', '#dashboard-link', '#sign-out', '#shortcuts-toggle']) $(selector).hidden = !signedIn;
  if (signedIn) return;
  signInOptions ??= fetch('/auth/options')
    .then((response) => response.json())
    .catch(() => ({ oidc: false, token: true }));
  signInOptions.then((options) => {
    $('#oidc-sign-in').hidden = !options.oidc;
    $('#sign-in').hidden = !options.token;
    $('#no-sign-in').hidden = options.oidc || options.token;
  });
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
  return (
    Object.entries(byReason)
      .map(([reason, count]) => `${reason} ${count}`)
      .join(' · ') || 'no reports'
  );
}

/** The first line of a queue item: open score and reports while undecided; all reports once decided. */
function itemSummary(item) {
  const taken = item.claimedBy && item.claimedBy !== state.me ? t(' · being reviewed by {who}', { who: item.claimedBy }) : '';
  const flags = `${item.suspectedBrigade ? t(' · suspected brigade') : ''}${item.overdue ? t(' · overdue') : ''}${taken}`;
  if (CLOSED_QUEUES.includes(filters().get('state'))) return `${t('{count} reports · decided', { count: item.reports })}${flags}`;
  return `${t('score {score} · {open} open', { score: item.score, open: item.openReports })}${flags}`;
}

function renderQueue() {
  const list = $('#queue');
  list.replaceChildren(
    ...state.items.map((item, index) => {
      const li = document.createElement('li');
      li.id = `item-${item.id}`;
      li.dataset.id = item.id;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', String(index === state.selected));
      li.setAttribute('aria-checked', String(state.checked.has(item.id)));
      let picture;
      if (item.status === 'removed') {
        picture = document.createElement('div');
        picture.className = 'gone';
        picture.textContent = t('files deleted');
      } else {
        picture = document.createElement('img');
        picture.src = item.previewUrl;
        picture.alt = t('Blurred preview');
      }
      const text = document.createElement('div');
      const score = document.createElement('div');
      score.className = 'score';
      score.textContent = itemSummary(item);
      const reasons = document.createElement('div');
      reasons.className = 'reasons';
      reasons.textContent = reasonsText(item.byReason);
      const when = document.createElement('div');
      when.className = 'reasons';
      when.textContent = t('{status} since {when}', { status: item.status, when: new Date(item.queuedAt).toLocaleString() });
      text.append(score, reasons, when);
      li.append(picture, text);
      li.addEventListener('click', () => select(index));
      return li;
    }),
  );
  const current = state.items[state.selected];
  if (current) list.setAttribute('aria-activedescendant', `item-${current.id}`);
  else list.removeAttribute('aria-activedescendant');
  $('#empty').hidden = state.items.length > 0;
  $('#more').hidden = !state.cursor;
  $('#detail').hidden = state.selected < 0;
  $('#bulk').hidden = state.checked.size === 0;
  $('#bulk-count').textContent = t('{count} checked', { count: state.checked.size });
}

/** Shows how many images each queue holds in the queue picker. */
async function refreshCounts() {
  const { counts } = await api('/v1/moderation/queue-counts');
  for (const option of $('#filters select[name="state"]').options) {
    option.dataset.label ??= option.textContent;
    option.textContent = `${option.dataset.label} (${counts[option.value] ?? 0})`;
  }
}

async function loadQueue({ append = false } = {}) {
  const params = filters();
  if (append && state.cursor) params.set('cursor', state.cursor);
  if (!state.me) {
    const session = await api('/v1/moderation/session');
    state.me = session.moderatorId;
    $('#sessions-toggle').hidden = session.role !== 'admin';
  }
  const page = await api(`/v1/moderation/queue?${params}`);
  state.items = append ? [...state.items, ...page.items] : page.items;
  state.cursor = page.nextCursor;
  showReview();
  if (!append) state.selected = state.items.length ? 0 : -1;
  renderQueue();
  if (!append) state.checked.clear();
  if (!append && state.selected >= 0) await loadDetail();
  refreshCounts().catch(() => undefined);
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
  if (!detail.claim.mine)
    say(t('{who} opened this image first and may be deciding it: pick another one.', { who: detail.claim.moderatorId }));
  $('#preview').src = detail.links.previewUrl;
  $('#preview').alt = t('Blurred preview of the selected image');
  $('#reveal').disabled = detail.image.status === 'removed';
  // Only the decisions the transition table allows from this status are offered.
  for (const button of document.querySelectorAll('[data-action]')) button.hidden = !detail.allowedActions.includes(button.dataset.action);
  const facts = {
    Image: detail.image.id,
    Status: detail.image.status,
    Uploader: detail.image.uploaderId,
    Size: `${detail.image.width ?? '?'}×${detail.image.height ?? '?'} ${detail.image.format ?? ''}`,
    'Open score': `${detail.image.openScore} from ${detail.image.openReports} open reports`,
    'Brigade guard': detail.image.suspectedBrigadeAt
      ? `suspected brigade since ${new Date(detail.image.suspectedBrigadeAt).toLocaleString()} (see history)`
      : 'no burst from low-trust reporters',
    Reviewer: detail.claim.mine
      ? `you, until ${new Date(detail.claim.expiresAt).toLocaleTimeString()}`
      : `${detail.claim.moderatorId} is reviewing it (until ${new Date(detail.claim.expiresAt).toLocaleTimeString()})`,
    'Uploader’s images': Object.entries(detail.uploader.byStatus)
      .map(([status, count]) => `${count} ${status}`)
      .join(' · '),
    ...(detail.appeal
      ? { 'Uploader’s appeal': `${detail.appeal.outcome ? `${detail.appeal.outcome}: ` : 'open: '}${detail.appeal.message}` }
      : {}),
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
      row([
        `${report.reporterId} (${report.reporterKind}${report.lowTrust ? ', low-trust' : ''})`,
        report.reason,
        report.note,
        String(report.weight),
        report.status,
        new Date(report.createdAt).toLocaleString(),
      ]),
    ),
  );
  $('#reporters tbody').replaceChildren(
    ...detail.reporters.map((reporter) =>
      row([
        reporter.reporterId,
        String(reporter.upheld),
        String(reporter.dismissed),
        reporter.suppressed ? '0 (suppressed)' : String(reporter.currentWeight),
      ]),
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
  if (!response.ok) return say(t('The original cannot be shown (HTTP {status}).', { status: response.status }), true);
  const blob = await response.blob();
  // The moderator may have moved on while it loaded: never show one image's original beside another's details.
  if (state.detail !== detail) return;
  $('#preview').src = URL.createObjectURL(blob);
  $('#preview').alt = t('Original of the selected image');
  say(t('Showing the original.'));
}

async function decide(action) {
  const item = state.items[state.selected];
  if (!item || state.deciding) return; // one decision at a time: a second key press waits for the first
  // A key pressed while the selected image's details load applies once they are on screen, never to another image.
  if (state.detail?.image.id !== item.id) await state.detailLoading;
  if (state.detail?.image.id !== item.id || state.items[state.selected]?.id !== item.id || state.deciding) return;
  if (action === 'remove' && state.removeArmedFor !== item.id) {
    state.removeArmedFor = item.id;
    return say(t('Press x again to remove this image for good (its files are deleted).'));
  }
  state.removeArmedFor = null;
  state.deciding = true;
  try {
    const note = $('#note').value.trim();
    const result = await api(`/v1/moderation/images/${item.id}/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action, expectedStatus: item.status, ...(note ? { note } : {}) }),
    });
    $('#note').value = '';
    const done = { uphold: 'Upheld', restore: 'Restored', remove: 'Removed' }[action];
    say(t(`${done}: image is now {status} ({closed} reports closed).`, { status: result.status, closed: result.closedReports }));
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
  state.checked.delete(item.id);
  renderQueue();
  refreshCounts().catch(() => undefined);
  if (state.selected >= 0) await loadDetail().catch((error) => say(explain(error), true));
}

/** Checks or unchecks the current image for a bulk decision. */
function toggleChecked() {
  const item = state.items[state.selected];
  if (!item) return;
  if (state.checked.has(item.id)) state.checked.delete(item.id);
  else state.checked.add(item.id);
  renderQueue();
}

/** Decides every checked image with one action and the note; each image succeeds or fails on its own. */
async function decideChecked(action) {
  if (state.checked.size === 0 || state.deciding) return;
  const ids = [...state.checked];
  const note = $('#note').value.trim();
  state.deciding = true;
  try {
    const { results } = await api('/v1/moderation/decisions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ids, action, ...(note ? { note } : {}) }),
    });
    const done = results.filter((result) => result.ok).map((result) => result.imageId);
    const failed = results.length - done.length;
    const summary = LANG_IS_EN
      ? `${{ uphold: 'Upheld', restore: 'Restored', remove: 'Removed' }[action]} ${done.length} image${done.length === 1 ? '' : 's'}.`
      : t('Decided {count} image(s) ({action}).', { count: done.length, action: t(action) });
    say(`${summary}${failed ? ` ${t('{failed} could not be decided (changed meanwhile or not allowed).', { failed })}` : ''}`, failed > 0);
    $('#note').value = '';
    state.items = state.items.filter((candidate) => !done.includes(candidate.id));
    state.checked.clear();
    state.selected = Math.min(Math.max(state.selected, 0), state.items.length - 1);
  } catch (error) {
    say(explain(error), true);
  } finally {
    state.deciding = false;
  }
  renderQueue();
  refreshCounts().catch(() => undefined);
  if (state.selected >= 0) await loadDetail().catch((error) => say(explain(error), true));
}

function shortcutsOn() {
  return $('#shortcuts').checked;
}

function onKey(event) {
  if (
    !shortcutsOn() ||
    $('#review').hidden ||
    event.target.closest('input, textarea, select') ||
    event.ctrlKey ||
    event.metaKey ||
    event.altKey
  )
    return;
  const actions = {
    j: () => select(state.selected + 1),
    k: () => select(state.selected - 1),
    c: () => toggleChecked(),
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
    say(t('Signed in as {who}.', { who: session.moderatorId }));
    await loadQueue();
  } catch (error) {
    say(error.status === 401 ? t('That token is not valid or has expired.') : explain(error), true);
  }
});
$('#sign-out').addEventListener('click', async () => {
  await api('/v1/moderation/session', { method: 'DELETE' });
  state.me = null;
  $('#sessions-toggle').hidden = true;
  $('#sessions').hidden = true;
  say(t('Signed out.'));
  showSignIn();
});
// A new queue starts with a clean status line, and the keyboard goes back to the queue so shortcuts keep working.
$('#filters').addEventListener('change', () => {
  say('');
  loadQueue()
    .then(() => $('#queue').focus())
    .catch((error) => say(explain(error), true));
});
$('#shortcuts').checked = window.localStorage.getItem(SHORTCUTS_KEY) !== 'off';
$('#shortcuts').addEventListener('change', () => window.localStorage.setItem(SHORTCUTS_KEY, shortcutsOn() ? 'on' : 'off'));
/** Admins: the active sessions, each with a button that ends it at once. */
async function loadSessions() {
  const { sessions } = await api('/v1/admin/sessions');
  $('#sessions tbody').replaceChildren(
    ...sessions.map((session) => {
      const tr = document.createElement('tr');
      for (const text of [
        session.subject,
        session.role,
        session.provider,
        new Date(session.createdAt).toLocaleString(),
        new Date(session.lastSeenAt).toLocaleString(),
      ]) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      const cell = document.createElement('td');
      const revoke = document.createElement('button');
      revoke.textContent = t('Revoke');
      revoke.addEventListener('click', async () => {
        try {
          await api(`/v1/admin/sessions/${session.idHash}`, { method: 'DELETE' });
          say(t('Session of {who} revoked.', { who: session.subject }));
          await loadSessions();
        } catch (error) {
          say(explain(error), true);
        }
      });
      cell.append(revoke);
      tr.append(cell);
      return tr;
    }),
  );
}
$('#sessions-toggle').addEventListener('click', () => {
  const open = $('#sessions').hidden;
  $('#sessions').hidden = !open;
  $('#sessions-toggle').setAttribute('aria-expanded', String(open));
  if (open) loadSessions().catch((error) => say(explain(error), true));
});
for (const button of document.querySelectorAll('[data-bulk]')) {
  button.addEventListener('click', () => decideChecked(button.dataset.bulk));
}
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

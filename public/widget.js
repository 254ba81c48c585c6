/*
 * imgmod reader widget: adds a "Report image" button under every <img data-imgmod-id="…"> (or
 * <img data-imgmod-external-id="…"> for an image the site registered by URL), a dialog to pick a reason, and hides
 * images that imgmod has blocked. No dependencies, no build.
 *
 *   <script src="https://imgmod.example/widget.js" data-site="news" data-token="<reader JWT signed by your server>" defer></script>
 *
 * Without data-token the reader reports anonymously (imgmod's reader cookie). window.imgmod.setToken(jwt)
 * replaces the token, e.g. when your page refreshes it. Styles are set through the CSSOM, which host pages'
 * Content-Security-Policy allows without 'unsafe-inline'.
 */
(() => {
  'use strict';
  const script = document.currentScript;
  const base = new URL(script.src).origin;
  let token = script.dataset.token || null;
  /** The site of the page (data-site): external ids are each site's own. */
  const siteQuery = script.dataset.site ? `&site=${encodeURIComponent(script.dataset.site)}` : '';

  const REASONS = ['spam', 'nudity', 'violence', 'hate', 'harassment', 'copyright', 'illegal', 'other'];
  const STRINGS = {
    en: {
      report: 'Report image',
      title: 'Report this image',
      why: 'Why should this image be removed?',
      reasons: {
        spam: 'Spam or advertising',
        nudity: 'Nudity or sexual content',
        violence: 'Violence or gore',
        hate: 'Hate',
        harassment: 'Harassment',
        copyright: 'Copyright',
        illegal: 'Illegal content',
        other: 'Something else',
      },
      note: 'Anything to add? (optional)',
      send: 'Send report',
      cancel: 'Cancel',
      sending: 'Sending…',
      pickReason: 'Please choose a reason.',
      thanks: 'Thanks for reporting! This image will be blocked automatically once several people have reported it.',
      hiddenNow: 'Thanks for reporting! This image is now hidden.',
      already: 'You have already reported this image. Thank you.',
      rateLimited: (seconds) => `You have sent many reports in a short time. Please try again in ${seconds} s.`,
      signedOut: 'Your session has expired. Reload the page and try again.',
      cookieRefused:
        'Your browser refused the reporting cookie (third-party cookies blocked?). Sign in to report, or allow cookies for this site.',
      anonymousOff: 'This site accepts reports from signed-in readers only.',
      notReportable: 'This image can no longer be reported.',
      error: 'Your report could not be sent. Please try again later.',
      hidden: 'Image hidden after readers reported it',
    },
    fr: {
      report: 'Signaler l’image',
      title: 'Signaler cette image',
      why: 'Pourquoi cette image devrait-elle être retirée ?',
      reasons: {
        spam: 'Spam ou publicité',
        nudity: 'Nudité ou contenu sexuel',
        violence: 'Violence',
        hate: 'Haine',
        harassment: 'Harcèlement',
        copyright: 'Droit d’auteur',
        illegal: 'Contenu illégal',
        other: 'Autre chose',
      },
      note: 'Une précision ? (facultatif)',
      send: 'Envoyer le signalement',
      cancel: 'Annuler',
      sending: 'Envoi…',
      pickReason: 'Veuillez choisir une raison.',
      thanks: 'Merci d’avoir signalé ! Cette image sera automatiquement bloquée après avoir été signalée par plusieurs personnes.',
      hiddenNow: 'Merci d’avoir signalé ! Cette image est désormais masquée.',
      already: 'Vous avez déjà signalé cette image. Merci.',
      rateLimited: (seconds) => `Vous avez envoyé beaucoup de signalements en peu de temps. Réessayez dans ${seconds}\u00a0s.`,
      signedOut: 'Votre session a expiré. Rechargez la page et réessayez.',
      cookieRefused:
        'Votre navigateur a refusé le cookie de signalement (cookies tiers bloqués ?). Connectez-vous pour signaler, ou autorisez les cookies pour ce site.',
      anonymousOff: 'Ce site n’accepte que les signalements de lecteurs connectés.',
      notReportable: 'Cette image ne peut plus être signalée.',
      error: 'Votre signalement n’a pas pu être envoyé. Réessayez plus tard.',
      hidden: 'Image masquée après des signalements de lecteurs',
    },
  };

  /** The strings for the language of the element (its closest lang attribute), English by default. */
  function stringsFor(element) {
    const lang = (element.closest('[lang]')?.getAttribute('lang') || 'en').slice(0, 2).toLowerCase();
    return STRINGS[lang] || STRINGS.en;
  }

  function styled(tag, style, props = {}) {
    const element = Object.assign(document.createElement(tag), props);
    Object.assign(element.style, style);
    return element;
  }

  // ---- talking to imgmod ----------------------------------------------------------------------------------

  let anonymousReader = null;
  /** Anonymous readers get imgmod's reader cookie once per page before their first report. */
  function ensureAnonymousReader() {
    anonymousReader ??= fetch(`${base}/v1/readers/anonymous`, { method: 'POST', credentials: 'include' }).then(
      (response) => {
        if (!response.ok) anonymousReader = null;
        return response;
      },
      (error) => {
        anonymousReader = null; // a network failure: ask again next time
        throw error;
      },
    );
    return anonymousReader;
  }

  async function sendReport(imageId, reason, note) {
    if (!token) {
      const reader = await ensureAnonymousReader();
      if (!reader.ok) return reader;
    }
    const headers = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    return fetch(`${base}/v1/images/${encodeURIComponent(imageId)}/reports`, {
      method: 'POST',
      credentials: token ? 'omit' : 'include',
      headers,
      body: JSON.stringify(note ? { reason, note } : { reason }),
    });
  }

  /** Most ids one visibility request may carry (the API refuses more). */
  const VISIBILITY_BATCH = 100;

  /** The ids among `ids` that imgmod hides (blocked or removed), asked in batches; a failed batch hides nothing. */
  async function hiddenIds(ids) {
    const batches = [];
    for (let start = 0; start < ids.length; start += VISIBILITY_BATCH) batches.push(ids.slice(start, start + VISIBILITY_BATCH));
    const answers = await Promise.all(
      batches.map(async (batch) => {
        const response = await fetch(`${base}/v1/visibility?ids=${batch.map(encodeURIComponent).join(',')}${siteQuery}`).catch(() => null);
        if (!response?.ok) return [];
        const { images } = await response.json();
        return batch.filter((id) => images[id] === 'hidden');
      }),
    );
    return answers.flat();
  }

  /** Longest query of external ids one request carries: well inside servers' URL limits. */
  const EXTERNAL_QUERY_CHARS = 4000;

  /**
   * The images the site registered under `externalIds` ({ <external id>: { id, visibility } }), asked in batches of
   * at most 100 ids and EXTERNAL_QUERY_CHARS; an id the site never registered, or a failed batch, is left out.
   */
  async function imagesOfExternalIds(externalIds) {
    const batches = [[]];
    let length = 0;
    for (const externalId of externalIds) {
      const part = `externalId=${encodeURIComponent(externalId)}`;
      const batch = batches[batches.length - 1];
      if (batch.length === VISIBILITY_BATCH || (batch.length > 0 && length + part.length > EXTERNAL_QUERY_CHARS)) {
        batches.push([part]);
        length = part.length;
      } else {
        batch.push(part);
        length += part.length + 1;
      }
    }
    const answers = await Promise.all(
      batches.map(async (parts) => {
        const response = await fetch(`${base}/v1/visibility?${parts.join('&')}${siteQuery}`).catch(() => null);
        if (!response?.ok) return {};
        return (await response.json()).externalIds || {};
      }),
    );
    return Object.assign({}, ...answers);
  }

  /** The words for a report's answer. */
  async function outcome(response, text) {
    if (response.status === 202) return text.thanks;
    if (response.status === 200) return text.already;
    if (response.status === 429) return text.rateLimited(Number(response.headers.get('retry-after')) || 60);
    // Without a token, a 401 means the browser did not send imgmod's reader cookie back.
    if (response.status === 401) return token ? text.signedOut : text.cookieRefused;
    if (response.status === 403) {
      const body = await response.json().catch(() => null);
      return body?.error?.code === 'anonymous_reports_disabled' ? text.anonymousOff : text.error;
    }
    if (response.status === 409) return text.notReportable;
    return text.error;
  }

  // ---- the page -------------------------------------------------------------------------------------------

  const decorated = new Map(); // image id → [{ img, button, status }]

  /** Replaces the image with a neutral placeholder of the same size, and removes its button. */
  function hide(imageId) {
    for (const entry of decorated.get(imageId) || []) {
      if (!entry.img.isConnected) continue;
      const text = stringsFor(entry.img);
      const box = entry.img.getBoundingClientRect();
      const placeholder = styled(
        'div',
        {
          width: `${Math.round(box.width) || 320}px`,
          height: `${Math.round(box.height) || 200}px`,
          maxWidth: '100%',
          display: 'flex',
          alignItems: 'center',
          justifyContent: 'center',
          background: '#e4e4e7',
          color: '#3f3f46',
          font: '14px system-ui, sans-serif',
          textAlign: 'center',
          borderRadius: '4px',
          // A small image's placeholder must not spill its words over the page (and over the next image's button).
          overflow: 'hidden',
        },
        { className: 'imgmod-placeholder', textContent: text.hidden },
      );
      placeholder.setAttribute('role', 'img');
      placeholder.setAttribute('aria-label', text.hidden);
      placeholder.dataset.imgmodId = imageId;
      const hadFocus = entry.button === document.activeElement;
      entry.img.replaceWith(placeholder);
      entry.button.remove();
      if (hadFocus) {
        // Keep keyboard users where they were: on the placeholder, not thrown back to the top of the page.
        placeholder.tabIndex = -1;
        placeholder.focus();
      }
    }
  }

  async function hideBlocked(ids) {
    for (const id of await hiddenIds(ids)) hide(id);
  }

  /**
   * After a report, evaluation takes a moment: look again after 0.3, 1.3, 3.3 and 7.3 s until it is hidden. Once
   * hidden, the reader's own status line says so, instead of still promising a block to come.
   */
  async function watchAfterReport(imageId, entry) {
    for (const delay of [300, 1000, 2000, 4000]) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      if ((await hiddenIds([imageId]).catch(() => [])).length) {
        hide(imageId);
        entry.status.textContent = stringsFor(entry.status).hiddenNow;
        return;
      }
    }
  }

  // ---- the dialog -----------------------------------------------------------------------------------------

  let dialog = null;
  let current = null; // { imageId, entry }

  function buildDialog() {
    dialog = styled('dialog', {
      maxWidth: '28rem',
      border: '1px solid #ccc',
      borderRadius: '8px',
      padding: '1rem 1.25rem',
      font: '15px system-ui, sans-serif',
      color: '#1d1d1f',
    });
    dialog.className = 'imgmod-dialog';
    dialog.setAttribute('aria-labelledby', 'imgmod-dialog-title');
    dialog.addEventListener('keydown', trapFocus);
    dialog.addEventListener('close', () => current?.entry.button.focus());
    document.body.append(dialog);
  }

  /** Keeps Tab and Shift+Tab inside the dialog. */
  function trapFocus(event) {
    if (event.key !== 'Tab') return;
    const focusable = [...dialog.querySelectorAll('input, textarea, button')].filter((element) => !element.disabled);
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  function fillDialog(text) {
    dialog.replaceChildren();
    const title = styled('h2', { fontSize: '1.1rem', margin: '0 0 .5rem' }, { id: 'imgmod-dialog-title', textContent: text.title });
    const form = document.createElement('form');
    const fieldset = styled('fieldset', { border: '0', padding: '0', margin: '0 0 .75rem', display: 'grid', gap: '.25rem' });
    fieldset.append(styled('legend', { marginBottom: '.4rem' }, { textContent: text.why }));
    for (const reason of REASONS) {
      const label = styled('label', { display: 'flex', gap: '.4rem', alignItems: 'center' });
      label.append(Object.assign(document.createElement('input'), { type: 'radio', name: 'reason', value: reason }), text.reasons[reason]);
      fieldset.append(label);
    }
    const noteLabel = styled('label', { display: 'grid', gap: '.25rem' }, { textContent: text.note });
    noteLabel.append(styled('textarea', { font: 'inherit', minHeight: '3.5rem' }, { name: 'note', maxLength: 500, rows: 3 }));
    const status = styled('p', { minHeight: '1.3em', color: '#b00020', margin: '.5rem 0' }, { className: 'imgmod-dialog-status' });
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    const actions = styled('div', { display: 'flex', gap: '.5rem', justifyContent: 'flex-end' });
    const cancel = Object.assign(document.createElement('button'), { type: 'button', textContent: text.cancel });
    cancel.addEventListener('click', () => dialog.close());
    const send = Object.assign(document.createElement('button'), { type: 'submit', textContent: text.send });
    actions.append(cancel, send);
    form.append(fieldset, noteLabel, status, actions);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void submit(form, text, status, send);
    });
    dialog.append(title, form);
  }

  async function submit(form, text, status, send) {
    const data = new FormData(form);
    const reason = data.get('reason');
    if (!reason) {
      status.textContent = text.pickReason;
      form.querySelector('input[name="reason"]').focus();
      return;
    }
    send.disabled = true;
    status.textContent = text.sending;
    const { imageId, entry } = current;
    const response = await sendReport(imageId, reason, String(data.get('note') || '').trim()).catch(() => null);
    const message = response ? await outcome(response, text) : text.error;
    send.disabled = false;
    if (response?.status === 429 || !response) {
      status.textContent = message; // stays open: the reader may wait and send again
      return;
    }
    entry.status.textContent = message;
    dialog.close();
    if (response.status === 202 || response.status === 200) void watchAfterReport(imageId, entry);
  }

  function open(imageId, entry) {
    if (!dialog) buildDialog();
    current = { imageId, entry };
    fillDialog(stringsFor(entry.img));
    dialog.showModal();
    dialog.querySelector('input[name="reason"]').focus();
  }

  // ---- start ----------------------------------------------------------------------------------------------

  const IMAGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  function decorate(img, imageId) {
    if (img.dataset.imgmodDecorated) return;
    img.dataset.imgmodDecorated = 'true';
    const text = stringsFor(img);
    const button = styled(
      'button',
      { display: 'block', margin: '.35rem 0', font: '13px system-ui, sans-serif', cursor: 'pointer' },
      {
        type: 'button',
        className: 'imgmod-report',
        textContent: text.report,
      },
    );
    button.setAttribute('aria-haspopup', 'dialog');
    const status = styled('p', { margin: '.25rem 0', font: '14px system-ui, sans-serif' }, { className: 'imgmod-status' });
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    const entry = { img, button, status };
    button.addEventListener('click', () => open(imageId, entry));
    img.after(button, status);
    decorated.set(imageId, [...(decorated.get(imageId) || []), entry]);
  }

  /** Decorates the images the site registered by URL, once imgmod told their ids, and hides the blocked ones. */
  async function decorateExternal(images) {
    const externalIdOf = (img) => (img.dataset.imgmodExternalId || '').trim();
    const found = await imagesOfExternalIds([...new Set(images.map(externalIdOf).filter(Boolean))]);
    for (const img of images) {
      const image = found[externalIdOf(img)];
      if (image) decorate(img, image.id);
    }
    for (const image of Object.values(found)) if (image.visibility === 'hidden') hide(image.id);
  }

  function start() {
    for (const img of document.querySelectorAll('img[data-imgmod-id]')) {
      // imgmod's ids are lower-case UUIDs; a host page may write them in upper case. Anything else is not ours.
      const imageId = (img.dataset.imgmodId || '').trim().toLowerCase();
      if (IMAGE_ID.test(imageId)) decorate(img, imageId);
    }
    void hideBlocked([...decorated.keys()]);
    const external = [...document.querySelectorAll('img[data-imgmod-external-id]:not([data-imgmod-id])')];
    if (external.length > 0) void decorateExternal(external);
  }

  window.imgmod = {
    /** Replaces the signed reader token (null: report anonymously). */
    setToken(newToken) {
      token = newToken || null;
    },
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();

// Shared pieces of the views: labelled fields with inline errors, the error panel (message and
// request id), confirmation dialogs, downloads, times in the user's locale.
import { h, clear, uid } from './dom.js';

// A labelled control with a hint and an error line tied to it (aria-describedby).
// input: an <input>/<select>/<textarea> element; returns {row, input, setError(msg)}.
export function field(label, input, { hint, optional } = {}) {
  const id = input.id || uid('f');
  input.id = id;
  const hintId = `${id}-hint`;
  const errId = `${id}-error`;
  const err = h('p', { class: 'field-error', id: errId, hidden: true });
  const described = [hint ? hintId : null, errId].filter(Boolean).join(' ');
  input.setAttribute('aria-describedby', described);
  const row = h('div', { class: 'field' },
    h('label', { for: id }, label, optional ? h('span', { class: 'optional' }, ' (optional)') : null),
    input,
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    err);
  return {
    row,
    input,
    setError(msg) {
      err.textContent = msg || '';
      err.hidden = !msg;
      if (msg) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    },
  };
}

// The server's error: its message, code and request id (for the operator's logs).
export function errorPanel(err, title = 'The request failed') {
  const lines = [h('p', { class: 'error-msg' }, err.message || String(err))];
  const facts = [];
  if (err.status) facts.push(`HTTP ${err.status}`);
  if (err.code) facts.push(err.code);
  if (facts.length) lines.push(h('p', { class: 'error-facts' }, facts.join(' · ')));
  if (err.requestId) {
    lines.push(h('p', { class: 'error-facts' }, 'Request ID: ',
      h('code', { class: 'request-id' }, err.requestId)));
  }
  return h('div', { class: 'alert alert-error', role: 'alert' },
    h('p', { class: 'alert-title' }, title), lines);
}

// Replaces slot's content with the error panel (or empties it for null).
export function showError(slot, err, title) {
  clear(slot);
  if (err) {
    slot.append(errorPanel(err, title));
    slot.scrollIntoView({ block: 'nearest' });
  }
}

// A form's check on submit. checked: [[field, error message or ''], ...] in form order. Shows each
// field's message, focuses the first bad field and returns false; with slot, also says above the
// form that nothing was sent (message), or empties slot when every field is fine.
export function validateAll(checked, { slot, message = 'Fix the fields marked below.' } = {}) {
  let firstBad = null;
  for (const [f, msg] of checked) {
    f.setError(msg || '');
    if (msg && !firstBad) firstBad = f;
  }
  if (firstBad) {
    if (slot) showError(slot, { message }, 'Not sent yet');
    firstBad.input.focus();
    return false;
  }
  if (slot) showError(slot, null);
  return true;
}

// Runs fn (async) with button disabled and labelled busyLabel; the label and the button come back
// however fn ends. Returns fn's result.
export async function withBusy(button, busyLabel, fn) {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = busyLabel;
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}

// A modal confirmation; resolves true when confirmed. Escape or Cancel resolves false.
export function confirmDialog({ title, body, confirmLabel, danger }) {
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
    const ok = h('button', { type: 'button', class: danger ? 'btn btn-danger' : 'btn btn-primary' },
      confirmLabel);
    const dlg = h('dialog', { class: 'dialog', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, title),
      [body].flat().map((p) => (p instanceof Node ? p : h('p', {}, p))),
      h('div', { class: 'actions' }, cancel, ok));
    let result = false;
    cancel.addEventListener('click', () => dlg.close());
    ok.addEventListener('click', () => {
      result = true;
      dlg.close();
    });
    dlg.addEventListener('close', () => {
      dlg.remove();
      resolve(result);
    });
    document.body.append(dlg);
    dlg.showModal();
    cancel.focus();
  });
}

// Saves text as a file through a temporary object URL.
export function download(filename, textContent, type) {
  const url = URL.createObjectURL(new Blob([textContent], { type }));
  const a = h('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
}

// A file name from a CSR's name (or id): letters, digits, '.', '_' and '-' only.
export function fileBase(csr) {
  const base = String(csr.name || '').normalize('NFKD').replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '').slice(0, 60);
  return base || String(csr.id);
}

export async function copyText(textContent, fallbackEl) {
  try {
    await navigator.clipboard.writeText(textContent);
    return true;
  } catch {
    // No clipboard API (plain http to another host): select the text for Ctrl+C.
    if (fallbackEl) {
      fallbackEl.focus();
      fallbackEl.select();
    }
    return false;
  }
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

// <time> for epoch milliseconds, shown in the user's locale and time zone.
export function time(ms, { never = '—' } = {}) {
  if (typeof ms !== 'number' || ms <= 0) return h('span', { class: 'muted' }, never);
  const d = new Date(ms);
  return h('time', { datetime: d.toISOString(), title: d.toISOString() }, dateFormat.format(d));
}

let keepFlash = false;

// A message above the page.
// forNextPage: the message is set just before a navigation and must survive it.
export function flash(message, { kind = 'success', forNextPage = false } = {}) {
  const slot = document.getElementById('flash');
  clear(slot);
  keepFlash = !!message && forNextPage;
  if (!message) return;
  const close = h('button', { type: 'button', class: 'btn-link', 'aria-label': 'Dismiss' }, '×');
  const box = h('div', { class: `alert alert-${kind}` }, h('span', {}, message), close);
  close.addEventListener('click', () => clear(slot));
  slot.append(box);
}

export function pageHeader(title, ...actions) {
  return h('div', { class: 'page-header' },
    h('h1', { tabindex: '-1', class: 'page-title' }, title),
    actions.length ? h('div', { class: 'page-actions' }, actions) : null);
}

// Called on every route change: drops the flash unless it was set for this navigation.
export function routeChanged() {
  if (keepFlash) keepFlash = false;
  else clear(document.getElementById('flash'));
}

// The console's entry point: hash routes, the top bar, and the session rules (no token: sign in;
// a 401 anywhere: back to sign in with a message).
import {
  canWrite, refreshSession, session, setUnauthorizedHandler, signOut, ROLE_READ,
} from './api.js';
import { add, h, clear } from './dom.js';
import { flash, routeChanged, showError } from './ui.js';
import * as login from './login.js';
import * as list from './list.js';
import * as create from './create.js';
import * as detail from './detail.js';
import * as upload from './upload.js';

const view = document.getElementById('view');
let loginMessage = '';
let renderSeq = 0;

function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

// [pattern, module, needs write access]
const ROUTES = [
  [/^#\/login$/, login, false],
  [/^#\/csrs$/, list, false],
  [/^#\/csrs\/new$/, create, true],
  [/^#\/csrs\/([0-9A-Za-z%._~-]+)$/, detail, false],
  [/^#\/upload$/, upload, true],
];

function drawTopbar(s) {
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  clear(nav);
  clear(who);
  nav.hidden = !s;
  who.hidden = !s;
  if (!s) return;
  const here = location.hash.split('?')[0];
  const link = (href, text) => h('a', { href, 'aria-current': here === href ? 'page' : false }, text);
  nav.append(link('#/csrs', 'CSRs'));
  if (canWrite(s)) nav.append(link('#/csrs/new', 'New CSR'), link('#/upload', 'Upload'));
  const readOnly = !canWrite(s);
  const out = h('button', { type: 'button', class: 'btn btn-small', id: 'sign-out' }, 'Sign out');
  out.addEventListener('click', doSignOut);
  add(who, [
    h('span', { class: 'who-name' }, h('span', { class: 'who-user' }, s.user),
      h('span', { class: 'muted' }, ' @ '), h('span', { class: 'who-account' }, s.account)),
    readOnly ? h('span', { class: 'badge badge-ro', title: s.roles.includes(ROLE_READ) ? ROLE_READ : 'No SCM write role' }, 'Read-only') : null,
    out]);
}

async function doSignOut() {
  try {
    await signOut();
    loginMessage = 'You have signed out. The token no longer works.';
  } catch (err) {
    loginMessage = '';
    flash(`Signed out here, but the server could not revoke the token: ${err.message}`,
      { kind: 'error', forNextPage: true });
  }
  navigate('#/login');
}

async function route() {
  const seq = ++renderSeq;
  routeChanged();
  const [path, queryText] = (location.hash || '').split('?');
  const query = new URLSearchParams(queryText || '');
  const s = session();
  if (!s && path !== '#/login') {
    navigate('#/login');
    return;
  }
  if (s && (path === '#/login' || path === '' || path === '#' || path === '#/')) {
    navigate('#/csrs');
    return;
  }
  const found = ROUTES.map(([re, mod, write]) => [path.match(re), mod, write]).find(([m]) => m);
  drawTopbar(s);
  clear(view);
  document.title = 'csrd console';
  if (!found) {
    view.append(h('div', { class: 'card empty' }, h('h1', { class: 'page-title', tabindex: '-1' }, 'Page not found'),
      h('p', {}, h('a', { href: '#/csrs' }, 'Go to the CSR list'))));
    return;
  }
  const [m, mod, needsWrite] = found;
  if (needsWrite && !canWrite(s)) {
    view.append(h('div', { class: 'card empty' }, h('h1', { class: 'page-title', tabindex: '-1' }, 'Read-only access'),
      h('p', {}, 'Your user may list and show CSRs but not create, upload, rename, delete or export them.'),
      h('p', {}, h('a', { href: '#/csrs' }, 'Back to the CSR list'))));
    return;
  }
  const ctx = {
    params: m[1] ? { id: decodeURIComponent(m[1]) } : {},
    query,
    navigate,
    message: '',
  };
  if (mod === login) {
    ctx.message = loginMessage;
    loginMessage = '';
  }
  const page = h('div', { class: 'page' });
  view.append(page);
  try {
    await mod.render(page, ctx);
  } catch (err) {
    if (seq === renderSeq) showError(page, err, 'Something went wrong');
  }
  if (seq === renderSeq && mod !== login) {
    const title = page.querySelector('.page-title');
    if (title) document.title = `${title.textContent} · csrd console`;
    if (!page.contains(document.activeElement)) {
      title?.focus({ preventScroll: true });
    }
  }
}

// Set once the start-up code below has routed: before that, a 401 (the kept token is dead) only
// leaves its message, and the start-up code routes once to sign in. Navigating here as well
// rendered sign-in twice and the second rendering lost the message.
let started = false;

setUnauthorizedHandler((message) => {
  loginMessage = message;
  if (started) navigate('#/login');
});

window.addEventListener('hashchange', route);

// The skip link must not touch the hash (that is the router's).
document.querySelector('.skip-link').addEventListener('click', (ev) => {
  ev.preventDefault();
  const title = document.querySelector('#view .page-title');
  (title || document.getElementById('main')).focus();
});

// A token kept from earlier in this tab: check it (and re-read its roles) before the first page.
(async () => {
  if (session()) {
    try {
      await refreshSession();
    } catch {
      // The server's answer is shown by the page that needs it.
    }
  }
  if (!location.hash) history.replaceState(null, '', session() ? '#/csrs' : '#/login');
  started = true;
  route();
})();

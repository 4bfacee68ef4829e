// #/csrs?name=&algo=&limit=&offset=: the caller's CSRs, newest first, with filters and paging.
import { csrs, canWrite } from './api.js';
import { h } from './dom.js';
import { ALGORITHMS, ALGORITHM_LABELS, checkNameFilter } from './validate.js';
import { field, pageHeader, showError, time } from './ui.js';

const PAGE_SIZES = [10, 20, 50];

function state(q) {
  const limit = PAGE_SIZES.includes(Number(q.get('limit'))) ? Number(q.get('limit')) : 10;
  const offset = /^[0-9]{1,9}$/.test(q.get('offset') || '') ? Number(q.get('offset')) : 0;
  const algo = ALGORITHMS.includes(q.get('algo')) ? q.get('algo') : '';
  return { name: q.get('name') || '', algo, limit, offset };
}

function hashFor(s) {
  const q = new URLSearchParams();
  if (s.name) q.set('name', s.name);
  if (s.algo) q.set('algo', s.algo);
  if (s.limit !== 10) q.set('limit', String(s.limit));
  if (s.offset) q.set('offset', String(s.offset));
  const text = q.toString();
  return `#/csrs${text ? `?${text}` : ''}`;
}

function filters(s, ctx) {
  const name = field('Name contains', h('input', { name: 'name', value: s.name, maxlength: '32',
    type: 'search', spellcheck: 'false' }));
  const algo = field('Key algorithm', h('select', { name: 'algo' },
    h('option', { value: '' }, 'Any algorithm'),
    ALGORITHMS.map((a) => h('option', { value: a }, ALGORITHM_LABELS[a]))));
  algo.input.value = s.algo;
  const size = field('Per page', h('select', { name: 'limit' },
    PAGE_SIZES.map((n) => h('option', { value: String(n) }, String(n)))));
  size.input.value = String(s.limit);
  const apply = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Apply');
  const reset = h('button', { type: 'button', class: 'btn' }, 'Clear');
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter CSRs', novalidate: true },
    name.row, algo.row, size.row, h('div', { class: 'filter-actions' }, apply, reset));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const msg = checkNameFilter(name.input.value);
    name.setError(msg);
    if (msg) {
      name.input.focus();
      return;
    }
    ctx.navigate(hashFor({ name: name.input.value, algo: algo.input.value,
      limit: Number(size.input.value), offset: 0 }));
  });
  reset.addEventListener('click', () => ctx.navigate(hashFor({ name: '', algo: '', limit: s.limit, offset: 0 })));
  return form;
}

function table(list) {
  const head = h('thead', {}, h('tr', {},
    ['Name', 'Domain', 'Algorithm', 'Usage', 'Created'].map((t) => h('th', { scope: 'col' }, t))));
  const rows = list.map((c) => h('tr', {},
    h('td', { 'data-label': 'Name' }, h('a', { href: `#/csrs/${encodeURIComponent(c.id)}`, class: 'csr-link' }, c.name)),
    h('td', { 'data-label': 'Domain', class: 'mono' }, c.domain_name),
    h('td', { 'data-label': 'Algorithm' }, h('span', { class: 'badge' }, ALGORITHM_LABELS[c.private_key_algo] || c.private_key_algo)),
    h('td', { 'data-label': 'Usage' }, c.usage === 'ENTERPRISE' ? 'Enterprise' : 'Personal'),
    h('td', { 'data-label': 'Created' }, time(c.create_time))));
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'csr-table' }, h('caption', { class: 'sr-only' }, 'CSRs, newest first'), head, h('tbody', {}, rows)));
}

function pager(s, total, shown, ctx) {
  const first = total === 0 ? 0 : s.offset + 1;
  const last = s.offset + shown;
  const prev = h('button', { type: 'button', class: 'btn', disabled: s.offset === 0 }, '← Previous');
  const next = h('button', { type: 'button', class: 'btn', disabled: last >= total }, 'Next →');
  prev.addEventListener('click', () => ctx.navigate(hashFor({ ...s, offset: Math.max(0, s.offset - s.limit) })));
  next.addEventListener('click', () => ctx.navigate(hashFor({ ...s, offset: s.offset + s.limit })));
  return h('nav', { class: 'pager', 'aria-label': 'Pages' },
    h('p', { class: 'pager-info', 'aria-live': 'polite' }, `${first}–${last} of ${total}`),
    h('div', { class: 'pager-buttons' }, prev, next));
}

function emptyState(s, ctx) {
  const filtered = s.name || s.algo;
  return h('div', { class: 'empty card' },
    h('h2', {}, filtered ? 'No CSR matches these filters' : 'No CSRs yet'),
    h('p', { class: 'muted' }, filtered ? 'Change or clear the filters to see more.'
      : canWrite() ? 'Create a CSR (csrd makes the key pair) or upload one made elsewhere.'
        : 'CSRs of your account appear here once someone creates them.'),
    filtered ? h('button', { type: 'button', class: 'btn', onclick: () => ctx.navigate('#/csrs') }, 'Clear filters')
      : canWrite() ? h('div', { class: 'actions' },
        h('a', { class: 'btn btn-primary', href: '#/csrs/new' }, 'Create a CSR'),
        h('a', { class: 'btn', href: '#/upload' }, 'Upload a CSR')) : null);
}

export async function render(root, ctx) {
  const s = state(ctx.query);
  const actions = canWrite()
    ? [h('a', { class: 'btn btn-primary', href: '#/csrs/new' }, 'New CSR'),
      h('a', { class: 'btn', href: '#/upload' }, 'Upload CSR')] : [];
  const errors = h('div');
  const results = h('div', { class: 'results', 'aria-busy': 'true' }, h('p', { class: 'loading' }, 'Loading…'));
  root.append(pageHeader('Certificate signing requests', ...actions), filters(s, ctx), errors, results);

  const nameErr = checkNameFilter(s.name);
  let page;
  try {
    if (nameErr) throw new Error(nameErr);
    page = await csrs.list({ limit: s.limit, offset: s.offset, name: s.name, private_key_algo: s.algo });
  } catch (err) {
    results.replaceChildren();
    results.removeAttribute('aria-busy');
    showError(errors, err, 'The CSRs could not be listed');
    return;
  }
  const list = Array.isArray(page.csr_list) ? page.csr_list : [];
  const total = Number(page.total) || 0;
  results.replaceChildren();
  results.removeAttribute('aria-busy');
  if (list.length === 0 && s.offset > 0 && total > 0) {
    ctx.navigate(hashFor({ ...s, offset: 0 }));  // paged past the end (after deletes)
    return;
  }
  if (list.length === 0) {
    results.append(emptyState(s, ctx));
    return;
  }
  results.append(table(list), pager(s, total, list.length, ctx));
}

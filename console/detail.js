// #/csrs/<id>: every field, the PEM with copy and download, and (full access only) rename,
// private key export behind an audit notice, delete behind a confirmation.
import { csrs, canWrite } from './api.js';
import { h, clear } from './dom.js';
import { ALGORITHM_LABELS, checkName } from './validate.js';
import {
  confirmDialog, copyText, download, field, fileBase, flash, pageHeader, showError, time,
} from './ui.js';

function facts(c) {
  const row = (label, value, cls) => [h('dt', {}, label), h('dd', { class: cls || '' }, value)];
  const orDash = (v) => (v ? v : h('span', { class: 'muted' }, '—'));
  return h('dl', { class: 'facts' },
    row('Name', c.name),
    row('ID', c.id, 'mono'),
    row('Domain name', c.domain_name, 'mono'),
    row('Subject alternative names', orDash(c.sans), 'mono'),
    row('Key algorithm', ALGORITHM_LABELS[c.private_key_algo] || c.private_key_algo),
    row('Usage', c.usage === 'ENTERPRISE' ? 'Enterprise' : 'Personal'),
    row('Country', orDash(c.company_country)),
    row('Province or state', orDash(c.company_province)),
    row('City', orDash(c.company_city)),
    row('Company name', orDash(c.company_name)),
    row('Created', time(c.create_time)),
    row('Updated', time(c.update_time)),
    row('Private key exports', String(c.export_count ?? 0)),
    row('Last export', time(c.last_export_time, { never: 'Never' })));
}

function renameForm(c, onDone) {
  const input = h('input', { name: 'name', value: c.name, autocomplete: 'off' });
  const f = field('New name', input, { hint: '1 to 63 characters.' });
  const errors = h('div');
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save name');
  const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
  const form = h('form', { class: 'rename card', novalidate: true, 'aria-label': 'Rename CSR' },
    errors, f.row, h('div', { class: 'actions' }, save, cancel));
  input.addEventListener('input', () => f.setError(checkName(input.value)));
  cancel.addEventListener('click', () => onDone(null));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const msg = checkName(input.value);
    f.setError(msg);
    if (msg) {
      input.focus();
      return;
    }
    save.disabled = true;
    try {
      onDone(await csrs.rename(c.id, input.value));
    } catch (err) {
      showError(errors, err, 'The CSR was not renamed');
      save.disabled = false;
    }
  });
  setTimeout(() => { input.focus(); input.select(); }, 0);
  return form;
}

export async function render(root, ctx) {
  const id = ctx.params.id;
  const errors = h('div');
  root.append(h('p', { class: 'back' }, h('a', { href: '#/csrs' }, '← All CSRs')), errors);
  let c;
  try {
    c = await csrs.get(id);
  } catch (err) {
    root.append(pageHeader('CSR'));
    showError(errors, err, 'The CSR could not be shown');
    return;
  }
  draw(root, ctx, c, errors);
}

function draw(root, ctx, c, errors) {
  const write = canWrite();
  const body = h('div', { class: 'detail' });
  const renameSlot = h('div');
  const actions = [];
  if (write) {
    const rename = h('button', { type: 'button', class: 'btn' }, 'Rename');
    const exportKey = h('button', { type: 'button', class: 'btn' }, 'Export private key');
    const del = h('button', { type: 'button', class: 'btn btn-danger' }, 'Delete');
    rename.addEventListener('click', () => {
      clear(renameSlot);
      renameSlot.append(renameForm(c, (updated) => {
        clear(renameSlot);
        if (updated) {
          flash(`Renamed to “${updated.name}”.`);
          redraw(root, ctx, updated, errors);
        } else {
          rename.focus();
        }
      }));
    });
    exportKey.addEventListener('click', async () => {
      const ok = await confirmDialog({
        title: 'Export the private key?',
        body: [
          'The unencrypted private key will be downloaded to this computer as a .key file. Keep it secret.',
          h('p', { class: 'notice' }, h('strong', {}, 'This export is audited: '),
            'your user name, the time, your address and this CSR are recorded in the audit log, and the CSR’s export count goes up.'),
        ],
        confirmLabel: 'Export and download',
      });
      if (!ok) {
        exportKey.focus();
        return;
      }
      exportKey.disabled = true;
      try {
        const out = await csrs.privateKey(c.id);
        download(`${fileBase(c)}.key`, out.private_key, 'application/x-pem-file');
        flash('Private key exported and downloaded. The export was recorded in the audit log.');
        const fresh = await csrs.get(c.id);
        redraw(root, ctx, fresh, errors);
      } catch (err) {
        showError(errors, err, 'The private key was not exported');
        exportKey.disabled = false;
      }
    });
    del.addEventListener('click', async () => {
      const ok = await confirmDialog({
        title: 'Delete this CSR?',
        body: [h('p', {}, 'The CSR ', h('strong', {}, c.name), ' and its private key will be deleted for good. This cannot be undone.')],
        confirmLabel: 'Delete CSR',
        danger: true,
      });
      if (!ok) {
        del.focus();
        return;
      }
      del.disabled = true;
      try {
        await csrs.remove(c.id);
        flash(`CSR “${c.name}” deleted.`, { forNextPage: true });
        ctx.navigate('#/csrs');
      } catch (err) {
        showError(errors, err, 'The CSR was not deleted');
        del.disabled = false;
      }
    });
    actions.push(rename, exportKey, del);
  }

  const pemId = 'csr-pem';
  const pem = h('textarea', { id: pemId, class: 'pem', readonly: true, rows: '12', spellcheck: 'false',
    value: c.csr, wrap: 'off' });
  const copyStatus = h('span', { class: 'copy-status', role: 'status', 'aria-live': 'polite' });
  const copy = h('button', { type: 'button', class: 'btn' }, 'Copy');
  copy.addEventListener('click', async () => {
    const done = await copyText(c.csr, pem);
    copyStatus.textContent = done ? 'Copied to the clipboard.' : 'Selected: press Ctrl+C to copy.';
  });
  const dl = h('button', { type: 'button', class: 'btn' }, 'Download .csr');
  dl.addEventListener('click', () => download(`${fileBase(c)}.csr`, c.csr, 'application/pkcs10'));

  body.append(
    pageHeader(c.name, ...actions),
    renameSlot,
    h('section', { class: 'card', 'aria-labelledby': 'facts-title' },
      h('h2', { id: 'facts-title' }, 'Details'), facts(c)),
    h('section', { class: 'card', 'aria-labelledby': 'pem-title' },
      h('h2', { id: 'pem-title' }, h('label', { for: pemId }, 'CSR (PEM)')),
      pem,
      h('div', { class: 'actions' }, copy, dl, copyStatus)));
  root.append(body);
}

function redraw(root, ctx, c, errors) {
  root.querySelector('.detail')?.remove();
  clear(errors);
  draw(root, ctx, c, errors);
  root.querySelector('.page-title')?.focus();
}

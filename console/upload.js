// #/upload: a CSR made elsewhere (pasted or read from a file), with its private key if the user
// wants csrd to keep it. csrd verifies the CSR's signature and that the key matches.
import { csrs } from './api.js';
import { h } from './dom.js';
import { checkName, looksLikeCsr, looksLikeKey } from './validate.js';
import { field, flash, pageHeader, showError, validateAll, withBusy } from './ui.js';

const MAX_FILE = 1024 * 1024;

function pemInput(label, name, { optional, hint, accept }) {
  const area = h('textarea', { name, rows: '8', class: 'pem', spellcheck: 'false', wrap: 'off',
    autocomplete: 'off', placeholder: `-----BEGIN ${name === 'csr' ? 'CERTIFICATE REQUEST' : 'PRIVATE KEY'}-----` });
  const f = field(label, area, { optional, hint });
  const fileId = `${name}-file`;
  const file = h('input', { type: 'file', id: fileId, accept, class: 'file-input' });
  const fileErr = h('p', { class: 'field-error', hidden: true });
  file.addEventListener('change', async () => {
    fileErr.hidden = true;
    const chosen = file.files && file.files[0];
    if (!chosen) return;
    if (chosen.size > MAX_FILE) {
      fileErr.textContent = 'That file is larger than 1 MiB: it is not a PEM CSR or key.';
      fileErr.hidden = false;
      return;
    }
    area.value = await chosen.text();
    area.dispatchEvent(new Event('input'));
  });
  f.row.append(h('div', { class: 'file-row' },
    h('label', { for: fileId, class: 'file-label' }, `…or choose a ${name === 'csr' ? 'CSR' : 'key'} file`), file),
  fileErr);
  return f;
}

export function render(root, ctx) {
  const name = field('Name', h('input', { name: 'name', required: true, autocomplete: 'off' }),
    { hint: '1 to 63 characters.' });
  const csr = pemInput('CSR (PEM)', 'csr', {
    hint: 'A PKCS#10 request: RSA 2048/3072/4096, EC P-256/P-384 or SM2.',
    accept: '.csr,.pem,.req,.txt',
  });
  const key = pemInput('Private key (PEM)', 'private_key', {
    optional: true,
    hint: 'Unencrypted PKCS#8, PKCS#1 or SEC1. Leave empty to keep only the CSR (no key export then).',
    accept: '.key,.pem,.txt',
  });
  const errors = h('div', { class: 'form-errors' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Upload CSR');
  const form = h('form', { class: 'card form', novalidate: true },
    errors, name.row, csr.row, key.row,
    h('div', { class: 'actions' }, submit, h('a', { class: 'btn', href: '#/csrs' }, 'Cancel')));
  root.append(pageHeader('Upload a CSR'),
    h('p', { class: 'muted lead' }, 'csrd takes the domain, SANs, algorithm and company fields from the CSR itself.'),
    form);

  const checks = [[name, checkName], [csr, looksLikeCsr], [key, looksLikeKey]];
  for (const [f, fn] of checks) {
    f.input.addEventListener('input', () => f.setError(fn(f.input.value)));
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!validateAll(checks.map(([f, fn]) => [f, fn(f.input.value)]), { slot: errors })) return;
    const body = { name: name.input.value, csr: csr.input.value };
    if (key.input.value.trim() !== '') body.private_key = key.input.value;
    await withBusy(submit, 'Uploading…', async () => {
      try {
        const made = await csrs.upload(body);
        key.input.value = '';
        flash(`CSR “${made.name}” uploaded.`, { forNextPage: true });
        ctx.navigate(`#/csrs/${encodeURIComponent(made.id)}`);
      } catch (err) {
        showError(errors, err, 'The CSR was not uploaded');
      }
    });
  });
  name.input.focus();
}

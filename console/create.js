// #/csrs/new: every field of CreateCsr, with the contract's rules shown inline as the user types
// and again on submit; nothing is sent while a rule fails.
import { csrs } from './api.js';
import { h } from './dom.js';
import { ALGORITHMS, ALGORITHM_LABELS, checkCreate } from './validate.js';
import { field, flash, pageHeader, showError, validateAll, withBusy } from './ui.js';

export function render(root, ctx) {
  const f = {
    name: field('Name', h('input', { name: 'name', required: true, autocomplete: 'off' }),
      { hint: '1 to 63 characters; for you to recognise it, not part of the CSR.' }),
    domain_name: field('Domain name', h('input', { name: 'domain_name', required: true,
      autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off', placeholder: 'www.example.com' }),
    { hint: 'The subject CN. ASCII (punycode for other scripts); *.example.com for a wildcard.' }),
    sans: field('Subject alternative names', h('textarea', { name: 'sans', rows: '2',
      spellcheck: 'false', autocapitalize: 'off', placeholder: 'example.com; api.example.com' }),
    { optional: true, hint: 'More DNS names, separated by ; or , (at most 255 characters).' }),
    private_key_algo: field('Key algorithm', h('select', { name: 'private_key_algo' },
      ALGORITHMS.map((a) => h('option', { value: a }, ALGORITHM_LABELS[a])))),
  };
  f.private_key_algo.input.value = 'EC_P256';

  const usageName = 'usage';
  const radios = ['PERSONAL', 'ENTERPRISE'].map((u) => h('input', {
    type: 'radio', name: usageName, value: u, id: `usage-${u.toLowerCase()}`, checked: u === 'PERSONAL',
  }));
  const usageError = h('p', { class: 'field-error', id: 'usage-error', hidden: true });
  const usage = h('fieldset', { class: 'field usage' },
    h('legend', {}, 'Usage'),
    h('div', { class: 'radio-row' },
      h('label', { class: 'radio', for: 'usage-personal' }, radios[0],
        h('span', {}, h('strong', {}, 'Personal'), h('span', { class: 'muted' }, ' — only the domain in the subject'))),
      h('label', { class: 'radio', for: 'usage-enterprise' }, radios[1],
        h('span', {}, h('strong', {}, 'Enterprise'), h('span', { class: 'muted' }, ' — company fields in the subject')))),
    usageError);

  const company = {
    company_country: field('Country', h('input', { name: 'company_country', maxlength: '2',
      autocomplete: 'country', spellcheck: 'false', class: 'input-short', placeholder: 'CN' }),
    { hint: 'Two letters (ISO 3166), e.g. CN, DE, US.' }),
    company_province: field('Province or state', h('input', { name: 'company_province', autocomplete: 'address-level1' }),
      { hint: 'At most 128 characters.' }),
    company_city: field('City', h('input', { name: 'company_city', autocomplete: 'address-level2' }),
      { hint: 'At most 128 characters.' }),
    company_name: field('Company name', h('input', { name: 'company_name', autocomplete: 'organization' }),
      { hint: 'At most 64 characters.' }),
  };
  const companyNote = h('p', { class: 'hint', id: 'company-note' });
  const companyBox = h('fieldset', { class: 'company' }, h('legend', {}, 'Company'), companyNote,
    h('div', { class: 'grid-2' }, Object.values(company).map((x) => x.row)));

  const errors = h('div', { class: 'form-errors' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create CSR');
  const cancel = h('a', { class: 'btn', href: '#/csrs' }, 'Cancel');
  const form = h('form', { class: 'card form', novalidate: true },
    errors, f.name.row, f.domain_name.row, f.sans.row, f.private_key_algo.row, usage, companyBox,
    h('div', { class: 'actions' }, submit, cancel));
  root.append(pageHeader('New CSR'),
    h('p', { class: 'muted lead' }, 'csrd generates the key pair and the PKCS#10 request. The private key stays on the server, sealed, until someone with full access exports it.'),
    form);

  const all = { ...f, ...company };
  const touched = new Set();
  const values = () => {
    const v = {};
    for (const [k, x] of Object.entries(all)) v[k] = x.input.value;
    v.usage = radios.find((r) => r.checked)?.value || '';
    return v;
  };
  const enterprise = () => radios[1].checked;
  function syncCompany() {
    companyNote.textContent = enterprise()
      ? 'Required for Enterprise usage: all four go into the subject (C, ST, L, O).'
      : 'Optional for Personal usage: checked and stored, but not put into the CSR.';
    for (const x of Object.values(company)) x.input.required = enterprise();
  }
  function check(showAll) {
    const errs = checkCreate(values());
    for (const [k, x] of Object.entries(all)) {
      x.setError(showAll || touched.has(k) ? errs[k] || '' : '');
    }
    usageError.textContent = errs.usage || '';
    usageError.hidden = !errs.usage;
    return errs;
  }
  for (const [k, x] of Object.entries(all)) {
    x.input.addEventListener('input', () => { touched.add(k); check(false); });
    x.input.addEventListener('blur', () => { if (x.input.value !== '') touched.add(k); check(false); });
  }
  for (const r of radios) r.addEventListener('change', () => { syncCompany(); check(false); });
  syncCompany();

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const errs = check(true);
    const ok = validateAll(Object.entries(all).map(([k, x]) => [x, errs[k]]), {
      slot: errors,
      message: `Fix the ${Object.keys(errs).length === 1 ? 'field' : 'fields'} marked below.`,
    });
    if (!ok) return;
    const body = values();
    if (!body.sans) delete body.sans;
    for (const k of Object.keys(company)) if (!body[k]) delete body[k];
    await withBusy(submit, 'Creating…', async () => {
      try {
        const made = await csrs.create(body);
        flash(`CSR “${made.name}” created.`, { forNextPage: true });
        ctx.navigate(`#/csrs/${encodeURIComponent(made.id)}`);
      } catch (err) {
        showError(errors, err, 'The CSR was not created');
      }
    });
  });
  f.name.input.focus();
}

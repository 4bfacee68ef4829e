// #/login: account (domain) name, user name, password -> a token for this tab.
import { signIn } from './api.js';
import { h } from './dom.js';
import { field, showError, validateAll, withBusy } from './ui.js';

export function render(root, ctx) {
  const account = field('Account (domain) name',
    h('input', { name: 'account', autocomplete: 'organization', required: true, spellcheck: 'false',
      autocapitalize: 'off' }));
  const user = field('User name',
    h('input', { name: 'user', autocomplete: 'username', required: true, spellcheck: 'false',
      autocapitalize: 'off' }));
  const password = field('Password',
    h('input', { name: 'password', type: 'password', autocomplete: 'current-password',
      required: true }));
  const errors = h('div', { class: 'form-errors' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Sign in');
  const form = h('form', { class: 'card login-card', novalidate: true, 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title', class: 'page-title', tabindex: '-1' }, 'Sign in'),
    h('p', { class: 'muted' }, 'Use the account, user and password of your csrd user.'),
    ctx.message ? h('div', { class: 'alert alert-info', role: 'status' }, ctx.message) : null,
    errors, account.row, user.row, password.row, submit);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const values = [account, user, password].map((f) => f.input.value);
    if (!validateAll([account, user, password].map((f) => [f, f.input.value === '' ? 'Required.' : '']))) {
      return;
    }
    await withBusy(submit, 'Signing in…', async () => {
      showError(errors, null);
      try {
        await signIn(values[0].trim(), values[1].trim(), values[2]);
        password.input.value = '';
        ctx.navigate('#/csrs');
      } catch (err) {
        password.input.value = '';
        showError(errors, err, 'Sign-in failed');
        password.input.focus();
      }
    });
  });
  root.append(h('div', { class: 'login-wrap' }, form));
  (account.input.value ? password.input : account.input).focus();
}

// Drives csrd's web console in headless Chromium (playwright-core, Debian's /usr/bin/chromium) as
// a person would: sign in, create an EC_P256 and an SM2 ENTERPRISE CSR, find them with the
// filters, open the detail, download the CSR and the private key and check with openssl that they
// match, rename, upload a CSR made with openssl, see a server error with its request id, delete,
// sign out (the old token then gets 401 from the API), and as a read-only user see no write or
// export button. Fails on any console error, CSP violation or page error. Screenshots of every
// page at 1440 and 360 px wide go to CSRD_SHOTS.
//
// Run by tests/integration/test_console_browser.py with, in the environment:
//   CSRD_URL          http://127.0.0.1:PORT
//   CSRD_ACCOUNT      account (domain) name of both users
//   CSRD_FULL_USER, CSRD_FULL_PASSWORD   a user with SCM FullAccess
//   CSRD_RO_USER, CSRD_RO_PASSWORD       a user with SCM ReadOnlyAccess
//   CSRD_WORK         a scratch folder (downloads, openssl files)
//   CSRD_SHOTS        where the screenshots go
// Prints one JSON line at the end: {"ok": true, "steps": N, "shots": N, "keys": [files]}.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const URL_BASE = env('CSRD_URL');
const ACCOUNT = env('CSRD_ACCOUNT');
const FULL = { user: env('CSRD_FULL_USER'), password: env('CSRD_FULL_PASSWORD') };
const RO = { user: env('CSRD_RO_USER'), password: env('CSRD_RO_PASSWORD') };
const WORK = env('CSRD_WORK');
const SHOTS = env('CSRD_SHOTS');
const TIMEOUT = Number(process.env.CSRD_E2E_TIMEOUT_MS || 60000);  // slow sanitizer builds
const SUFFIX = Math.random().toString(36).slice(2, 8);

fs.mkdirSync(WORK, { recursive: true });
fs.mkdirSync(SHOTS, { recursive: true });

let step = 'start';
let steps = 0;
let shots = 0;
const problems = [];
let allowHttpError = null;  // a RegExp for the one console error a step provokes on purpose
let allowedSeen = 0;
const keyFiles = [];

function log(msg) {
  process.stderr.write(`[e2e] ${msg}\n`);
}

function begin(name) {
  step = name;
  steps += 1;
  log(`step ${steps}: ${name}`);
}

function check(cond, msg) {
  if (!cond) throw new Error(`${step}: ${msg}`);
}

function openssl(...args) {
  return execFileSync('openssl', args, { cwd: WORK, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function watch(page) {
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    const text = m.text();
    if (m.type() === 'error' && allowHttpError && allowHttpError.test(text)) {
      allowedSeen += 1;
      return;
    }
    if (m.type() === 'warning' && !/Content Security Policy|CSP|Refused/i.test(text)) return;
    problems.push(`${step}: console ${m.type()}: ${text}`);
  });
  page.on('pageerror', (e) => problems.push(`${step}: page error: ${e.message}`));
  page.on('crash', () => problems.push(`${step}: page crashed`));
}

// Every control has a label; nothing is wider than the viewport.
async function checkPage(page, width) {
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.type !== 'hidden' && !el.closest('[hidden]'))
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
    .map((el) => el.name || el.id || el.outerHTML.slice(0, 60)));
  check(unlabelled.length === 0, `inputs without a label: ${unlabelled.join(', ')}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  check(overflow <= width + 1, `page is ${overflow}px wide at a ${width}px viewport`);
}

async function shoot(page, name) {
  shots += 1;
  const base = `${String(shots).padStart(2, '0')}-${name}`;
  for (const [w, h] of [[1440, 900], [360, 780]]) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(50);
    await checkPage(page, w);
    await page.screenshot({ path: path.join(SHOTS, `${base}-${w}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

async function heading(page, text) {
  await page.locator('h1.page-title', { hasText: text }).first().waitFor({ timeout: TIMEOUT });
}

async function signIn(page, who, { keyboard = false } = {}) {
  await heading(page, 'Sign in');
  if (keyboard) {
    // Keyboard only: the account field has focus; Tab moves on; Enter submits.
    await page.keyboard.type(ACCOUNT);
    await page.keyboard.press('Tab');
    await page.keyboard.type(who.user);
    await page.keyboard.press('Tab');
    await page.keyboard.type(who.password);
    await page.keyboard.press('Enter');
  } else {
    await page.getByLabel('Account (domain) name').fill(ACCOUNT);
    await page.getByLabel('User name').fill(who.user);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await heading(page, 'Certificate signing requests');
}

async function download(page, click, file) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: TIMEOUT }), click()]);
  const target = path.join(WORK, file);
  await dl.saveAs(target);
  return { target, suggested: dl.suggestedFilename() };
}

async function createCsr(page, fields) {
  await page.getByRole('link', { name: 'New CSR' }).first().click();
  await heading(page, 'New CSR');
  await page.getByLabel('Name', { exact: true }).fill(fields.name);
  await page.getByLabel('Domain name').fill(fields.domain);
  if (fields.sans) await page.getByLabel('Subject alternative names').fill(fields.sans);
  await page.getByLabel('Key algorithm').selectOption(fields.algo);
  if (fields.enterprise) {
    await page.getByLabel(/Enterprise/).check();
    await page.getByLabel('Country').fill(fields.country);
    await page.getByLabel('Province or state').fill(fields.province);
    await page.getByLabel('City').fill(fields.city);
    await page.getByLabel('Company name').fill(fields.company);
  }
  await page.getByRole('button', { name: 'Create CSR' }).click();
  await heading(page, fields.name);
  const id = (await page.locator('.facts dd.mono').first().textContent()).trim();
  check(/^[0-9a-f]{32}$/.test(id), `detail shows id ${id}`);
  return id;
}

async function openFromList(page, name) {
  await page.getByRole('link', { name: 'CSRs', exact: true }).click();
  await heading(page, 'Certificate signing requests');
  await page.getByRole('link', { name, exact: true }).click();
  await heading(page, name);
}

function samePublicKey(csrFile, keyFile) {
  const fromCsr = openssl('req', '-in', csrFile, '-noout', '-pubkey');
  const fromKey = openssl('pkey', '-in', keyFile, '-pubout');
  check(fromCsr.includes('BEGIN PUBLIC KEY') && fromCsr === fromKey,
    `public keys of ${csrFile} and ${keyFile} differ`);
}

async function apiStatus(token, route) {
  const r = await fetch(`${URL_BASE}${route}`, { headers: { 'X-Auth-Token': token } });
  return r.status;
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CSRD_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    timeout: TIMEOUT,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
      '--disable-default-apps', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
      '--metrics-recording-only', '--disable-extensions'],
  });
  try {
    const context = await browser.newContext({
      viewport: { width: 1440, height: 900 }, acceptDownloads: true, locale: 'en-GB',
      timezoneId: 'Europe/Berlin',
    });
    context.setDefaultTimeout(TIMEOUT);
    // CSP violations surface as console errors too; this names the directive.
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`);
      });
    });
    const page = await context.newPage();
    watch(page);
    const posts = [];
    page.on('request', (r) => { if (r.method() === 'POST') posts.push(r.url()); });

    begin('open /console (redirect) and see the sign-in page');
    const resp = await page.goto(`${URL_BASE}/console`);
    check(resp.ok(), `GET /console/ -> ${resp.status()}`);
    check(page.url().startsWith(`${URL_BASE}/console/`), `landed on ${page.url()}`);
    await heading(page, 'Sign in');
    await shoot(page, 'sign-in');

    begin('sign in with a wrong password: the error and its request id');
    allowHttpError = /status of 401/;
    await page.getByLabel('Account (domain) name').fill(ACCOUNT);
    await page.getByLabel('User name').fill(FULL.user);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const loginErr = page.locator('.alert-error');
    await loginErr.waitFor();
    check((await loginErr.textContent()).includes('The username or password is wrong.'), 'login error text');
    check(/Request ID: [0-9a-f]{32}/.test(await loginErr.textContent()), 'login error has a request id');
    allowHttpError = null;
    await shoot(page, 'sign-in-error');

    begin('sign in (full access): empty list');
    await signIn(page, FULL);
    check(await page.evaluate(() => localStorage.length === 0), 'localStorage is used');
    check(await page.evaluate(() => !!sessionStorage.getItem('csrd.console.session')), 'token not in sessionStorage');
    await page.getByText('No CSRs yet').waitFor();
    await shoot(page, 'list-empty');

    begin('create form: rules shown inline, nothing sent while one fails');
    await page.getByRole('link', { name: 'New CSR' }).first().click();
    await heading(page, 'New CSR');
    const postsBefore = posts.length;
    await page.getByLabel(/Enterprise/).check();
    await page.getByLabel('Name', { exact: true }).fill('x'.repeat(64));
    await page.getByLabel('Domain name').fill('bad_domain.example.com');
    await page.getByLabel('Country').fill('C');
    await page.getByRole('button', { name: 'Create CSR' }).click();
    for (const text of ['Name must be 1 to 63 characters', 'may contain only letters, digits',
      'Country must be exactly two letters', 'City is required for ENTERPRISE usage',
      'Company name is required for ENTERPRISE usage']) {
      await page.getByText(text).first().waitFor();
    }
    check(posts.length === postsBefore, 'a request was sent with invalid input');
    await shoot(page, 'create-inline-errors');
    await page.getByRole('link', { name: 'Cancel' }).click();
    await heading(page, 'Certificate signing requests');

    begin('create an EC_P256 PERSONAL CSR');
    const ecName = `web-ec-${SUFFIX}`;
    const ecId = await createCsr(page, { name: ecName, domain: 'www.example.com',
      sans: 'example.com; api.example.com', algo: 'EC_P256' });
    await page.getByText(`CSR “${ecName}” created.`).waitFor();
    await shoot(page, 'detail');

    begin('create an SM2 ENTERPRISE CSR');
    const sm2Name = `sm2-ent-${SUFFIX}`;
    const sm2Id = await createCsr(page, { name: sm2Name, domain: 'sm2.example.cn', algo: 'SM2',
      sans: 'www.sm2.example.cn', enterprise: true, country: 'cn', province: 'Guangdong',
      city: 'Shenzhen', company: 'Example Ltd' });
    const facts = await page.locator('.facts').textContent();
    for (const t of ['Enterprise', 'SM2', 'Guangdong', 'Shenzhen', 'Example Ltd', sm2Id]) {
      check(facts.includes(t), `SM2 detail lacks ${t}`);
    }

    begin('find them with the filters');
    await page.getByRole('link', { name: 'CSRs', exact: true }).click();
    await heading(page, 'Certificate signing requests');
    await page.getByRole('link', { name: sm2Name }).waitFor();
    const order = await page.locator('.csr-link').allTextContents();
    check(order[0] === sm2Name && order[1] === ecName, `not newest first: ${order}`);
    await page.getByLabel('Name contains').fill('sm2-ent');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/name=sm2-ent/);
    await page.locator('.pager-info', { hasText: '1–1 of 1' }).waitFor();
    check((await page.locator('.csr-link').allTextContents()).join() === sm2Name, 'name filter');
    await page.getByLabel('Name contains').fill('');
    await page.getByLabel('Key algorithm').selectOption('EC_P256');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/algo=EC_P256/);
    await page.locator('.pager-info', { hasText: '1–1 of 1' }).waitFor();
    check((await page.locator('.csr-link').allTextContents()).join() === ecName, 'algorithm filter');
    await shoot(page, 'list-filtered');
    await page.getByLabel('Key algorithm').selectOption('RSA_4096');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No CSR matches these filters').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.locator('.pager-info', { hasText: '1–2 of 2' }).waitFor();

    begin('SM2: download the CSR and export the key; openssl: they match');
    await openFromList(page, sm2Name);
    const sm2Csr = await download(page, () => page.getByRole('button', { name: 'Download .csr' }).click(), 'sm2.csr');
    check(sm2Csr.suggested === `${sm2Name}.csr`, `CSR file name ${sm2Csr.suggested}`);
    await page.getByRole('button', { name: 'Export private key' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    check((await dialog.textContent()).includes('This export is audited'), 'no audit notice');
    await shoot(page, 'export-confirm');
    const sm2Key = await download(page, () => dialog.getByRole('button', { name: 'Export and download' }).click(), 'sm2.key');
    keyFiles.push(sm2Key.target);
    check(sm2Key.suggested === `${sm2Name}.key`, `key file name ${sm2Key.suggested}`);
    check(fs.readFileSync(sm2Key.target, 'utf8').startsWith('-----BEGIN PRIVATE KEY-----'), 'key PEM');
    samePublicKey(sm2Csr.target, sm2Key.target);
    check(openssl('req', '-in', sm2Csr.target, '-noout', '-subject').includes('Example Ltd'), 'SM2 subject');
    await page.locator('.facts', { hasText: 'Private key exports1' }).waitFor();

    begin('EC: download, export (cancel first), openssl verify and match');
    await openFromList(page, ecName);
    // Keyboard: Enter opens the dialog, focus starts on Cancel (the safe choice), Escape closes it.
    await page.getByRole('button', { name: 'Export private key' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    check(await page.evaluate(() => document.activeElement.textContent) === 'Cancel', 'dialog focus');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    const ecCsr = await download(page, () => page.getByRole('button', { name: 'Download .csr' }).click(), 'ec.csr');
    await page.getByRole('button', { name: 'Export private key' }).click();
    const ecKey = await download(page, () => page.getByRole('dialog').getByRole('button', { name: 'Export and download' }).click(), 'ec.key');
    keyFiles.push(ecKey.target);
    openssl('req', '-in', ecCsr.target, '-noout', '-verify');
    samePublicKey(ecCsr.target, ecKey.target);
    const pem = await page.getByRole('textbox', { name: 'CSR (PEM)' }).inputValue();
    check(pem === fs.readFileSync(ecCsr.target, 'utf8'), 'downloaded CSR differs from the shown PEM');

    begin('rename');
    const renamed = `${ecName}-renamed`;
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('New name').fill('');
    await page.getByText('Name is required.').waitFor();
    await page.getByLabel('New name').fill(renamed);
    await shoot(page, 'rename');
    await page.getByRole('button', { name: 'Save name' }).click();
    await heading(page, renamed);
    await page.getByText(`Renamed to “${renamed}”.`).waitFor();

    begin('upload a CSR made with openssl (file chooser) and its key (pasted)');
    openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', 'up.key', '-out', 'up.csr', '-subj', '/C=DE/O=Upload GmbH/CN=upload.example.com',
      '-addext', 'subjectAltName=DNS:upload.example.com,DNS:www.upload.example.com');
    keyFiles.push(path.join(WORK, 'up.key'));
    await page.getByRole('link', { name: 'Upload', exact: true }).click();
    await heading(page, 'Upload a CSR');
    const upName = `uploaded-${SUFFIX}`;
    await page.getByLabel('Name', { exact: true }).fill(upName);
    await page.locator('#csr-file').setInputFiles(path.join(WORK, 'up.csr'));
    await page.waitForFunction(() => document.querySelector('textarea[name=csr]').value.includes('BEGIN CERTIFICATE REQUEST'));

    begin('upload with a key that is not the CSR\'s: error_msg and request id shown');
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'other.key');
    keyFiles.push(path.join(WORK, 'other.key'));
    await page.getByLabel('Private key (PEM)').fill(fs.readFileSync(path.join(WORK, 'other.key'), 'utf8'));
    allowHttpError = /status of 400/;
    const seenBefore = allowedSeen;
    await page.getByRole('button', { name: 'Upload CSR' }).click();
    const upErr = page.locator('.alert-error');
    await upErr.waitFor();
    const upErrText = await upErr.textContent();
    check(upErrText.includes('The uploaded CSR does not match the private key.'), `error: ${upErrText}`);
    check(upErrText.includes('SCM.0014') && /Request ID: [0-9a-f]{32}/.test(upErrText), `error: ${upErrText}`);
    await shoot(page, 'upload-error');
    check(allowedSeen === seenBefore + 1, 'the 400 was not seen exactly once');
    allowHttpError = null;
    await page.getByLabel('Private key (PEM)').fill(fs.readFileSync(path.join(WORK, 'up.key'), 'utf8'));
    await page.getByRole('button', { name: 'Upload CSR' }).click();
    await heading(page, upName);
    const upFacts = await page.locator('.facts').textContent();
    for (const t of ['upload.example.com', 'www.upload.example.com', 'Enterprise', 'DE', 'Upload GmbH', 'EC P-256']) {
      check(upFacts.includes(t), `uploaded detail lacks ${t}`);
    }

    begin('delete (cancel, then confirm)');
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await heading(page, upName);
    await page.getByRole('button', { name: 'Delete' }).click();
    await shoot(page, 'delete-confirm');
    await page.getByRole('dialog').getByRole('button', { name: 'Delete CSR' }).click();
    await heading(page, 'Certificate signing requests');
    await page.getByText(`CSR “${upName}” deleted.`).waitFor();
    await page.locator('.pager-info', { hasText: '1–2 of 2' }).waitFor();
    check(!(await page.locator('.csr-link').allTextContents()).includes(upName), 'deleted CSR still listed');
    await shoot(page, 'list');

    begin('sign out: the token is revoked');
    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('csrd.console.session')).token);
    check(await apiStatus(token, '/v3/scm/csr') === 200, 'token did not work before sign-out');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await heading(page, 'Sign in');
    await page.getByText('You have signed out').waitFor();
    check(await page.evaluate(() => sessionStorage.length === 0), 'sessionStorage not emptied');
    check(await apiStatus(token, '/v3/scm/csr') === 401, 'the old token still works');
    // A page kept open with the old token, reloaded on the list, goes back to sign in (the
    // start-up check of the kept token answers 401) and says why. replaceState, not a hash
    // change: the list must not render before the reload.
    await page.evaluate((t) => {
      sessionStorage.setItem('csrd.console.session',
        JSON.stringify({ token: t, user: 'x', account: 'y', roles: ['SCM FullAccess'] }));
      history.replaceState(null, '', '#/csrs');
    }, token);
    allowHttpError = /status of 40[14]/;
    await page.reload();
    await heading(page, 'Sign in');
    await page.getByText('Your session has ended').waitFor();
    // Sign-in rendered once: a second rendering would drop the message a moment later.
    await page.waitForTimeout(500);
    check(await page.getByText('Your session has ended').count() === 1, 'the session-ended message did not stay');
    check(await page.evaluate(() => location.hash === '#/login' && sessionStorage.length === 0),
      'reload with a dead token did not end on #/login with the token forgotten');
    allowHttpError = null;

    begin('read-only user (keyboard sign-in): no write or export button');
    await page.goto(`${URL_BASE}/console/`);
    await signIn(page, RO, { keyboard: true });
    await page.getByText('Read-only', { exact: true }).waitFor();
    await page.getByRole('link', { name: sm2Name }).waitFor();
    for (const name of ['New CSR', 'Upload CSR', 'Upload']) {
      check(await page.getByRole('link', { name, exact: true }).count() === 0, `read-only sees ${name}`);
    }
    await shoot(page, 'read-only-list');
    // The skip link moves focus to the page title and leaves the route alone.
    await page.locator('.skip-link').focus();
    await page.keyboard.press('Enter');
    check(await page.evaluate(() => location.hash === '#/csrs'
      && document.activeElement.classList.contains('page-title')), 'skip link');
    await page.getByRole('link', { name: sm2Name }).click();
    await heading(page, sm2Name);
    await page.getByRole('button', { name: 'Download .csr' }).waitFor();
    for (const name of ['Export private key', 'Rename', 'Delete']) {
      check(await page.getByRole('button', { name }).count() === 0, `read-only sees ${name}`);
    }
    await shoot(page, 'read-only-detail');
    await page.goto(`${URL_BASE}/console/#/csrs/new`);
    await heading(page, 'Read-only access');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await heading(page, 'Sign in');

    await context.close();
  } finally {
    await browser.close();
  }
}

try {
  await main();
} catch (e) {
  problems.push(`${step}: ${e.stack || e}`);
}
const ok = problems.length === 0;
process.stdout.write(`${JSON.stringify({ ok, steps, shots, problems, keys: keyFiles })}\n`);
process.exit(ok ? 0 : 1);

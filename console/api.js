// The console's only way to the server: fetch on the same origin, the token in sessionStorage
// (gone when the tab closes; never localStorage), errors turned into ApiError with the server's
// message and request id. A 401 on any call ends the session and sends the user to sign in.

const SESSION_KEY = 'csrd.console.session';

export const ROLE_FULL = 'SCM FullAccess';
export const ROLE_READ = 'SCM ReadOnlyAccess';

export class ApiError extends Error {
  constructor(status, message, code, requestId) {
    super(message);
    this.status = status;
    this.code = code || '';
    this.requestId = requestId || '';
  }
}

let onUnauthorized = () => {};
// fn(message): called once a request answers 401 (the session is already forgotten then).
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

export function session() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
    return s && typeof s.token === 'string' ? s : null;
  } catch {
    return null;
  }
}

function saveSession(s) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
}

export function forgetSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

// What the server said the user may do: SCM FullAccess writes and exports; ReadOnly lists and
// shows. The server still checks every request; this only decides which buttons exist.
export function canWrite(s = session()) {
  return !!s && s.roles.includes(ROLE_FULL);
}

async function errorFrom(resp) {
  const requestId = resp.headers.get('X-Request-Id') || '';
  let body = null;
  try {
    body = await resp.json();
  } catch {
    body = null;
  }
  if (body && typeof body.error_msg === 'string') {
    return new ApiError(resp.status, body.error_msg, body.error_code, body.request_id || requestId);
  }
  if (body && body.error && typeof body.error.message === 'string') {
    return new ApiError(resp.status, body.error.message, body.error.title, requestId);
  }
  return new ApiError(resp.status, `The server answered HTTP ${resp.status}.`, '', requestId);
}

async function send(method, path, { body, headers = {}, token } = {}) {
  const init = { method, headers: { ...headers }, cache: 'no-store', credentials: 'omit' };
  if (token) init.headers['X-Auth-Token'] = token;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'The server cannot be reached. Check your connection and try again.');
  }
  return resp;
}

function rolesOf(tokenBody) {
  const roles = tokenBody && tokenBody.token && Array.isArray(tokenBody.token.roles)
    ? tokenBody.token.roles : [];
  return roles.map((r) => (r && typeof r.name === 'string' ? r.name : '')).filter(Boolean);
}

function sessionFrom(token, tokenBody) {
  const t = tokenBody.token || {};
  const user = t.user || {};
  const domain = user.domain || {};
  return {
    token,
    user: String(user.name || ''),
    userId: String(user.id || ''),
    account: String(domain.name || ''),
    accountId: String(domain.id || ''),
    expiresAt: String(t.expires_at || ''),
    roles: rolesOf(tokenBody),
  };
}

// POST /v3/auth/tokens with the IAM password body, scoped to the account. Keeps the token from
// X-Subject-Token; throws ApiError (401: wrong account, user or password).
export async function signIn(account, user, password) {
  const resp = await send('POST', '/v3/auth/tokens', {
    body: {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { domain: { name: account }, name: user, password } },
        },
        scope: { domain: { name: account } },
      },
    },
  });
  if (resp.status !== 201) throw await errorFrom(resp);
  const token = resp.headers.get('X-Subject-Token');
  if (!token) throw new ApiError(resp.status, 'The server issued no token.');
  const s = sessionFrom(token, await resp.json());
  saveSession(s);
  return s;
}

// Re-reads the token (GET /v3/auth/tokens): roles are the server's current ones. A token that no
// longer works ends the session (401 handler).
export async function refreshSession() {
  const s = session();
  if (!s) return null;
  const resp = await send('GET', '/v3/auth/tokens', {
    token: s.token, headers: { 'X-Subject-Token': s.token },
  });
  if (resp.status === 401 || resp.status === 404) {
    forgetSession();
    onUnauthorized('Your session has ended. Sign in again.');
    return null;
  }
  if (!resp.ok) throw await errorFrom(resp);
  const fresh = sessionFrom(s.token, await resp.json());
  saveSession(fresh);
  return fresh;
}

// DELETE /v3/auth/tokens (the token revokes itself), then forgets it whatever the answer.
export async function signOut() {
  const s = session();
  forgetSession();
  if (!s) return;
  const resp = await send('DELETE', '/v3/auth/tokens', {
    token: s.token, headers: { 'X-Subject-Token': s.token },
  });
  if (resp.status !== 204 && resp.status !== 401) throw await errorFrom(resp);
}

// An authenticated call; resolves to the parsed JSON body (null for 204).
export async function call(method, path, body) {
  const s = session();
  if (!s) {
    onUnauthorized('Sign in to continue.');
    throw new ApiError(401, 'Not signed in.');
  }
  const resp = await send(method, path, { body, token: s.token });
  if (resp.status === 401) {
    const err = await errorFrom(resp);
    forgetSession();
    onUnauthorized('Your session has ended (expired or signed out elsewhere). Sign in again.');
    throw err;
  }
  if (!resp.ok) throw await errorFrom(resp);
  if (resp.status === 204) return null;
  return resp.json();
}

// Percent-encodes every value (the server reads '+' as a literal plus, so URLSearchParams'
// space-as-'+' would change a name filter).
export function query(params) {
  const parts = [];
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') {
      parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
    }
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

export const csrs = {
  list: (params) => call('GET', `/v3/scm/csr${query(params)}`),
  get: (id) => call('GET', `/v3/scm/csr/${encodeURIComponent(id)}`),
  create: (body) => call('POST', '/v3/scm/csr', body),
  rename: (id, name) => call('PUT', `/v3/scm/csr/${encodeURIComponent(id)}`, { name }),
  remove: (id) => call('DELETE', `/v3/scm/csr/${encodeURIComponent(id)}`),
  privateKey: (id) => call('GET', `/v3/scm/csr/${encodeURIComponent(id)}/private-key`),
  upload: (body) => call('POST', '/v3/scm/csr/upload', body),
};

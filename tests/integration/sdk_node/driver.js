#!/usr/bin/env node
// Drives csrd through the official Huawei Cloud Node.js SDK core
// (@huaweicloud/huaweicloud-sdk-core 3.1.211). The core builds, signs and sends each request
// and maps each error; this file only supplies the SCM routes' request metadata (the SCM
// service package is not on npm), in the shape the generated service clients use.
//
// Two modes:
//   node driver.js '<json>'      one command from argv (debugging only: argv is visible to ps)
//   node driver.js < cmd.json    one command from stdin
//   node driver.js --serve       one command per stdin line, one answer line each, until EOF;
//                                every command gets a fresh client, credentials and domain-id
//                                cache, as if it ran in its own process (saves node start-up)
// A command is one JSON object:
//   {
//     "endpoint": "http://127.0.0.1:PORT",          SCM endpoint (ClientBuilder.withEndpoint)
//     "ak": "...", "sk": "...",                     always non-empty (sdk-wire.md §2)
//     "security_token": "...",                      optional: temporary credentials
//     "domain_id": "...",                           optional: GlobalCredentials domain id
//     "region": "cn-north-4", "iam_endpoint": "..", optional: build withRegion(...) and let the
//                                                   core discover the domain id itself
//                                                   (GET /v3/auth/domains on iam_endpoint)
//     "op": "create" | "list" | "show" | "update" | "delete" | "private-key" | "upload"
//           | "request",
//     "params": {...},                              see OPS below
//     "x_sdk_date": "20250101T120000Z",             optional: preset X-Sdk-Date (the core signs
//                                                   with a preset date as is)
//     "tamper": {                                   optional, applied AFTER the core signed:
//       "body": <any JSON>,                         send this body instead of the signed one
//       "query": {...},                             send this query instead of the signed one
//       "headers": {"Name": "v" | null}             set / delete headers (null deletes)
//     }
//   }
//
// Output: exactly one JSON line on stdout per command:
//   {"status": <HTTP status or null>, "body": <parsed response body>,
//    "error_code", "error_msg", "request_id",       as the SDK's exception reports them
//    "exception": <SDK exception class or null>,
//    "wire": {"request_id": <X-Request-Id header>, "content_type": ...,
//             "cache_control": ..., "empty_body": true (success with no body only)},
//                                                   what the server answered, read off the wire
//    "sent": {"method", "url", "query", "signed_headers": [...], "header_names": [...],
//             "x_sdk_date", "access"},               what the core sent (no SK, token or signature)
//    "domain_id": <the credentials' domain id after the call>}
// A driver bug or bad command gives {"driver_error": "..."} instead (exit 2 in one-shot mode);
// SDK and HTTP errors are results, not driver errors.
'use strict';

const fs = require('fs');

// The core logs through log4js to stdout, request headers included (the security token too).
// Keep stdout for our one JSON line: the core's log goes to stderr only when
// CSRD_SDK_DRIVER_LOG=1, else nowhere.
const realStdoutFd = 1;
process.stdout.write = (chunk, encoding, cb) => {
  if (process.env.CSRD_SDK_DRIVER_LOG === '1') return process.stderr.write(chunk, encoding, cb);
  if (typeof encoding === 'function') encoding();
  else if (typeof cb === 'function') cb();
  return true;
};

const core = require('@huaweicloud/huaweicloud-sdk-core');
const { ClientBuilder } = require('@huaweicloud/huaweicloud-sdk-core/ClientBuilder');
const { AuthCache } = require('@huaweicloud/huaweicloud-sdk-core/internal/services/authcache');

const CSR_BASE = '/v3/scm/csr';

// Field orders of the SCM service's request models (sdk-wire.md §4).
const CREATE_FIELDS = ['name', 'domain_name', 'sans', 'private_key_algo', 'usage', 'company_country',
  'company_province', 'company_city', 'company_name'];
const UPLOAD_FIELDS = ['name', 'csr', 'private_key'];
const LIST_QUERY = ['limit', 'offset', 'name', 'private_key_algo'];  // the generated client's order

function pick(src, fields) {
  const out = {};
  for (const f of fields) {
    if (src[f] !== undefined && src[f] !== null) out[f] = src[f];
  }
  return out;
}

function requireId(p, op) {
  if (p.id === undefined || p.id === null) throw new Error(`${op}: params.id is required`);
  return p.id;
}

// Request metadata in the shape the generated service clients hand to HcClient.sendRequest.
function base(method, url) {
  return { method, url, contentType: 'application/json', queryParams: {}, pathParams: {}, headers: {} };
}

const OPS = {
  create(p) {
    const o = base('POST', CSR_BASE);
    o.data = pick(p, CREATE_FIELDS);
    return o;
  },
  list(p) {
    const o = base('GET', CSR_BASE);
    o.queryParams = pick(p, LIST_QUERY);
    return o;
  },
  show(p) {
    const o = base('GET', `${CSR_BASE}/{id}`);
    o.pathParams = { id: requireId(p, 'show') };
    return o;
  },
  update(p) {
    const o = base('PUT', `${CSR_BASE}/{id}`);
    o.pathParams = { id: requireId(p, 'update') };
    o.data = pick(p, ['name']);
    return o;
  },
  delete(p) {
    const o = base('DELETE', `${CSR_BASE}/{id}`);
    o.pathParams = { id: requireId(p, 'delete') };
    return o;
  },
  'private-key'(p) {
    const o = base('GET', `${CSR_BASE}/{id}/private-key`);
    o.pathParams = { id: requireId(p, 'private-key') };
    return o;
  },
  upload(p) {
    const o = base('POST', `${CSR_BASE}/upload`);
    o.data = pick(p, UPLOAD_FIELDS);
    return o;
  },
  // Any other route, signed the same way: {method, path, query?, body?}.
  request(p) {
    const o = base(String(p.method || 'GET').toUpperCase(), p.path);
    if (p.query) o.queryParams = p.query;
    if (p.body !== undefined) o.data = p.body;
    return o;
  },
};


function buildClient(cmd) {
  if (!cmd.ak || !cmd.sk) {
    // Without credentials the core would go to the cloud metadata service (sdk-wire.md §2).
    throw new Error('ak and sk must be non-empty');
  }
  const cred = new core.GlobalCredentials().withAk(cmd.ak).withSk(cmd.sk);
  if (cmd.security_token) cred.withSecurityToken(cmd.security_token);
  if (cmd.domain_id) cred.withDomainId(cmd.domain_id);
  if (cmd.iam_endpoint) cred.withIamEndpoint(cmd.iam_endpoint);
  // The init function is what a generated service client's newBuilder() passes; we keep the
  // HcClient itself.
  const builder = new ClientBuilder((hc) => hc, 'GlobalCredentials').withCredential(cred);
  if (cmd.region) {
    builder.withRegion(new core.Region(cmd.region, cmd.endpoint));
  } else {
    builder.withEndpoint(cmd.endpoint);
  }
  return { hc: builder.build(), cred };
}

function headerValue(headers, name) {
  if (!headers) return undefined;
  const want = name.toLowerCase();
  for (const k of Object.keys(headers)) {
    if (k.toLowerCase() === want) return headers[k];
  }
  return undefined;
}

function describeSent(req) {
  const auth = headerValue(req.headers, 'Authorization') || '';
  const m = /SignedHeaders=([^,\s]*)/.exec(auth);
  const a = /Access=([^,\s]*)/.exec(auth);
  return {
    method: req.method,
    url: req.url,
    query: req.queryParams || {},
    signed_headers: m ? m[1].split(';') : [],
    header_names: Object.keys(req.headers || {}),
    x_sdk_date: headerValue(req.headers, 'X-Sdk-Date') || null,
    access: a ? a[1] : null,
  };
}

function applyTamper(req, tamper) {
  if (!tamper) return;
  if (Object.prototype.hasOwnProperty.call(tamper, 'body')) req.data = tamper.body;
  if (tamper.query) req.queryParams = tamper.query;
  for (const [name, value] of Object.entries(tamper.headers || {})) {
    for (const k of Object.keys(req.headers)) {
      if (k.toLowerCase() === name.toLowerCase()) delete req.headers[k];
    }
    if (value !== null) req.headers[name] = value;
  }
}

function wireOf(headers) {
  return {
    request_id: headerValue(headers, 'x-request-id') ?? null,
    content_type: headerValue(headers, 'content-type') ?? null,
    cache_control: headerValue(headers, 'cache-control') ?? null,
  };
}

async function run(cmd) {
  // The core caches discovered domain ids per process, keyed by AK (+ region).
  AuthCache.instance().authMap.clear();
  const make = OPS[cmd.op];
  if (!make) throw new Error(`unknown op ${JSON.stringify(cmd.op)}`);
  const options = make(cmd.params || {});
  if (cmd.x_sdk_date) options.headers['X-Sdk-Date'] = cmd.x_sdk_date;

  const { hc, cred } = buildClient(cmd);

  // Hook the core's HTTP layer: HcClient.sendRequest builds and signs the request, then hands
  // it to httpClient.sendRequest. We record what was signed, optionally tamper with it, and
  // keep the raw answer (the SDK exception drops the error body).
  let sent = null;
  let rawOk = null;
  let rawErr = null;
  const inner = hc.httpClient.sendRequest.bind(hc.httpClient);
  hc.httpClient.sendRequest = async (req) => {
    sent = describeSent(req);
    applyTamper(req, cmd.tamper);
    try {
      rawOk = await inner(req);
      return rawOk;
    } catch (e) {
      rawErr = e;
      throw e;
    }
  };

  const out = {
    status: null, body: null, error_code: null, error_msg: null, request_id: null,
    exception: null, wire: null, sent: null, domain_id: null,
  };
  try {
    const resp = await hc.sendRequest(options);
    const body = Object.assign({}, resp);
    delete body.httpStatusCode;
    out.status = resp.httpStatusCode;
    out.body = body;
    out.wire = wireOf(rawOk && rawOk.headers);
    if (rawOk && (rawOk.data === '' || rawOk.data === undefined)) out.wire.empty_body = true;
  } catch (e) {
    out.exception = (e && e.name) || String(e);
    out.status = e && e.httpStatusCode !== undefined ? e.httpStatusCode : null;
    out.error_code = e && e.errorCode !== undefined ? e.errorCode : null;
    out.error_msg = e && (e.errorMsg !== undefined ? e.errorMsg : e.message) || null;
    out.request_id = e && e.requestId !== undefined ? e.requestId : null;
    if (rawErr) {
      out.body = rawErr.data === undefined ? null : rawErr.data;
      out.wire = wireOf(rawErr.headers);
    }
  }
  out.sent = sent;
  out.domain_id = cred.domainId || (hc.credential && hc.credential.domainId) || null;
  return out;
}

function emit(obj) {
  fs.writeSync(realStdoutFd, JSON.stringify(obj) + '\n');
}

async function runText(text) {
  let cmd;
  try {
    cmd = JSON.parse(text);
  } catch (e) {
    return { driver_error: `bad command: ${e.message}` };
  }
  try {
    return await run(cmd);
  } catch (e) {
    return { driver_error: String(e && e.stack || e) };
  }
}

async function serve() {
  const rl = require('readline').createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.trim() === '') continue;
    emit(await runText(line));
  }
}

(async () => {
  if (process.argv[2] === '--serve') {
    await serve();
    process.exit(0);
  }
  const text = process.argv.length > 2 ? process.argv[2] : fs.readFileSync(0, 'utf8');
  const out = await runText(text);
  emit(out);
  process.exit(out.driver_error ? 2 : 0);
})();

#!/usr/bin/env node
// Checks csrd's OpenAPI document with tools nobody here wrote (tests/integration/test_openapi.py
// drives it; needs `npm ci` in this directory, done by scripts/install-node-deps.sh).
//
//   node check.js doc DOC.json
//       Validates DOC against the OpenAPI 3.0 specification (@apidevtools/swagger-parser: the
//       official JSON Schema of OAS 3.0 plus its semantic checks), then every `example` in it
//       against the schema it illustrates (Ajv).
//   node check.js responses DOC.json CASES.json
//       CASES: [{"method", "path" (the path template), "status", "content_type", "headers"
//       (lower-case names), "body" (text)}]: real exchanges. Each must be an operation of DOC with
//       that status documented, the declared media type, every required response header (valid
//       against its schema) and a body valid against the documented schema.
//
// Prints one JSON line {"ok": bool, "checked": N, "errors": [...]} and exits 1 on any error.
"use strict";

const fs = require("fs");
const SwaggerParser = require("@apidevtools/swagger-parser");
const Ajv = require("ajv");

// OpenAPI 3.0 schema objects are JSON Schema plus a few keywords; `nullable` becomes a union
// type, `example` is an annotation.
function toJsonSchema(node, seen = new Map()) {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, seen));
  if (node === null || typeof node !== "object") return node;
  if (seen.has(node)) return seen.get(node);
  const out = {};
  seen.set(node, out);
  for (const [k, v] of Object.entries(node)) {
    if (k === "example" || k === "nullable") continue;
    out[k] = k === "enum" || k === "default" ? v : toJsonSchema(v, seen);
  }
  if (node.nullable === true && typeof node.type === "string") out.type = [node.type, "null"];
  return out;
}

function newAjv() {
  const warnings = [];
  const ajv = new Ajv({
    strict: true,
    // OAS subschemas such as {"required": ["name"]} inside anyOf name properties of their parent
    // and carry no type of their own.
    strictTypes: false,
    strictRequired: false,
    allErrors: true,
    allowUnionTypes: true,
    validateFormats: false,  // int64, password: OAS annotations, not JSON Schema formats
    logger: { log: () => {}, warn: (m) => warnings.push(String(m)), error: (m) => warnings.push(String(m)) },
  });
  return { ajv, warnings };
}

function compile(ajv, schema) {
  return ajv.compile(toJsonSchema(schema));
}

function describe(errs) {
  return (errs || []).map((e) => `${e.instancePath || "/"} ${e.message}` +
    (e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : "")).join("; ");
}

// Every `example` of the dereferenced document, checked against its schema: a media type,
// parameter or header object's `schema`, or the schema object that carries it.
function checkExamples(api, ajv, errors) {
  const seen = new Set();
  let count = 0;
  function walk(node, where) {
    if (node === null || typeof node !== "object" || seen.has(node)) return;
    seen.add(node);
    if (!Array.isArray(node) && Object.prototype.hasOwnProperty.call(node, "example")) {
      const schema = node.schema && typeof node.schema === "object" ? node.schema : node;
      count++;
      try {
        const v = compile(ajv, schema);
        if (!v(node.example)) errors.push(`example at ${where}: ${describe(v.errors)}`);
      } catch (e) {
        errors.push(`schema at ${where} does not compile: ${e.message}`);
      }
    }
    for (const [k, v] of Object.entries(node)) {
      if (k === "example") continue;
      walk(v, `${where}/${k}`);
    }
  }
  walk(api, "#");
  return count;
}

function mediaBase(ct) {
  return String(ct || "").split(";")[0].trim().toLowerCase();
}

function checkCase(api, ajv, c, errors) {
  const tag = `${c.method} ${c.path} -> ${c.status}`;
  const item = api.paths[c.path];
  const op = item && item[String(c.method).toLowerCase()];
  if (!op) {
    errors.push(`${tag}: no such operation in the document`);
    return;
  }
  const resp = op.responses[String(c.status)] || op.responses.default;
  if (!resp) {
    errors.push(`${tag}: status not documented (documented: ${Object.keys(op.responses).join(", ")})`);
    return;
  }
  const headers = c.headers || {};
  for (const [name, h] of Object.entries(resp.headers || {})) {
    const value = headers[name.toLowerCase()];
    if (value === undefined) {
      if (h.required) errors.push(`${tag}: required header ${name} missing`);
      continue;
    }
    if (h.schema) {
      const v = compile(ajv, h.schema);
      if (!v(value)) errors.push(`${tag}: header ${name}: ${describe(v.errors)}`);
    }
  }
  const content = resp.content || {};
  if (Object.keys(content).length === 0) {
    if (c.body) errors.push(`${tag}: a body where the document declares none`);
    return;
  }
  const key = Object.keys(content).find((k) => mediaBase(k) === mediaBase(c.content_type));
  if (!key) {
    errors.push(`${tag}: Content-Type ${c.content_type} not among ${Object.keys(content).join(", ")}`);
    return;
  }
  const schema = content[key].schema;
  if (!schema) return;
  let body = c.body;
  if (mediaBase(key) === "application/json") {
    try {
      body = JSON.parse(c.body);
    } catch (e) {
      errors.push(`${tag}: body is not JSON: ${e.message}`);
      return;
    }
  }
  const v = compile(ajv, schema);
  if (!v(body)) errors.push(`${tag}: body: ${describe(v.errors)}`);
}

async function main() {
  const [mode, docPath, casesPath] = process.argv.slice(2);
  const errors = [];
  let checked = 0;
  const { ajv, warnings } = newAjv();
  if (mode === "doc") {
    try {
      // validate() dereferences in place: give it its own copy.
      await SwaggerParser.validate(JSON.parse(fs.readFileSync(docPath, "utf8")));
    } catch (e) {
      errors.push(`swagger-parser: ${e.message}`);
    }
    const api = await SwaggerParser.dereference(JSON.parse(fs.readFileSync(docPath, "utf8")));
    checked = checkExamples(api, ajv, errors);
  } else if (mode === "responses") {
    const api = await SwaggerParser.dereference(JSON.parse(fs.readFileSync(docPath, "utf8")));
    const cases = JSON.parse(fs.readFileSync(casesPath, "utf8"));
    for (const c of cases) {
      checkCase(api, ajv, c, errors);
      checked++;
    }
  } else {
    process.stderr.write("usage: check.js doc DOC.json | check.js responses DOC.json CASES.json\n");
    process.exit(2);
  }
  for (const w of warnings) errors.push(`ajv: ${w}`);
  process.stdout.write(JSON.stringify({ ok: errors.length === 0, checked, errors }) + "\n");
  process.exit(errors.length === 0 ? 0 : 1);
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ ok: false, checked: 0, errors: [`crashed: ${e.stack || e}`] }) + "\n");
  process.exit(1);
});

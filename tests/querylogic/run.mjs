#!/usr/bin/env node
// Runs the query logic scripts (tests/querylogic/**/*.test, format: README.md) against the real
// `rookery` binary, in every mode of the matrix:
//   plain    on-disk data directory; only the script's own `restart` records restart
//   restart  the same, plus a restart before the first query after every write record
// Node 20 built-ins only (fetch, child_process).
//
// Usage: node run.mjs [--binary PATH] [--mode plain|restart]... [--verbose] [FILE|DIR]...
// The binary defaults to $ROOKERY_BINARY; files default to every *.test under this directory.
// Exit status 0 when every script passed in every mode.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------------------------------------
// Script parsing

class ScriptError extends Error {}

// A JSON value with numbers kept as {num, int} so that `1` and `1.0` can be told apart.
class Num {
  constructor(text) {
    this.text = text;
    this.value = Number(text);
    this.int = !/[.eE]/.test(text);
  }
}

// Minimal JSON parser that keeps number type classes (JSON.parse loses 1 vs 1.0).
function parseJson(text) {
  let i = 0;
  const ws = () => { while (i < text.length && " \t\r\n".includes(text[i])) i++; };
  const fail = (what) => { throw new ScriptError(`bad JSON at offset ${i} (${what}): ${text}`); };
  const value = () => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj = new Map();
      ws();
      if (text[i] === "}") { i++; return obj; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a key");
        const key = string();
        ws();
        if (text[i++] !== ":") fail("expected ':'");
        obj.set(key, value());
        ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === "}") { i++; return obj; }
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const arr = [];
      ws();
      if (text[i] === "]") { i++; return arr; }
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === "]") { i++; return arr; }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]]) {
      if (text.startsWith(word, i)) { i += word.length; return v; }
    }
    const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail("unexpected character");
    i += m[0].length;
    return new Num(m[0]);
  };
  const string = () => {
    const m = /^"(?:[^"\\]|\\.)*"/s.exec(text.slice(i));
    if (!m) fail("unterminated string");
    i += m[0].length;
    return JSON.parse(m[0]);
  };
  const v = value();
  ws();
  if (i !== text.length) fail("trailing text");
  return v;
}

// Back to plain JS for sending and printing.
function toPlain(v) {
  if (v instanceof Num) return v.value;
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, toPlain(x)]));
  if (Array.isArray(v)) return v.map(toPlain);
  return v;
}

// JSON text of a parsed value, numbers exactly as written (JSON.stringify would turn 31.0 into 31
// and round integers beyond 2^53).
function serialize(v) {
  if (v instanceof Num) return v.text;
  if (v instanceof Map) return "{" + [...v].map(([k, x]) => JSON.stringify(k) + ":" + serialize(x)).join(",") + "}";
  if (Array.isArray(v)) return "[" + v.map(serialize).join(",") + "]";
  if (v !== null && typeof v === "object") {
    return "{" + Object.entries(v).map(([k, x]) => JSON.stringify(k) + ":" + serialize(x)).join(",") + "}";
  }
  return JSON.stringify(v);
}

// Canonical text: object members sorted, numbers with their type class.
function canonical(v) {
  if (v instanceof Num) return v.int ? `${v.value}` : `${v.value}d`;
  if (v instanceof Map) {
    return "{" + [...v].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => JSON.stringify(k) + ":" + canonical(x)).join(",") + "}";
  }
  if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
  return JSON.stringify(v);
}

function valuesEqual(expected, actual) {
  return canonical(expected) === canonical(actual);
}

// A record: { kind, line, ... } (kinds: documents, delete, restart, query, error, same, deletebyquery).
export function parseScript(text, file) {
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  const records = [];
  let i = 0;
  const where = (n) => `${file}:${n + 1}`;
  const isComment = (l) => l.startsWith("#");
  while (i < lines.length) {
    if (lines[i].trim() === "" || isComment(lines[i])) { i++; continue; }
    const start = i;
    const block = [];
    while (i < lines.length && lines[i].trim() !== "") {
      if (!isComment(lines[i])) block.push({ text: lines[i], n: i });
      i++;
    }
    if (block.length === 0) continue;
    const [head, ...rest] = block;
    const words = head.text.trim().split(/\s+/);
    const rec = { kind: words[0], line: start + 1, where: where(head.n) };
    switch (words[0]) {
      case "documents":
        rec.docs = rest.map(({ text: l, n }) => {
          const m = /^(\S+)\s+(\S+)\s+(.*)$/.exec(l);
          if (!m) throw new ScriptError(`${where(n)}: expected 'id collection {json}'`);
          let body;
          try { body = parseJson(m[3]); } catch (e) {
            throw new ScriptError(`${where(n)}: bad document JSON: ${e.message}`);
          }
          if (!(body instanceof Map)) throw new ScriptError(`${where(n)}: a document must be a JSON object`);
          return { id: m[1], collection: m[2] === "-" ? null : m[2], body };
        });
        break;
      case "delete":
        rec.ids = [...words.slice(1), ...rest.map((r) => r.text.trim())];
        break;
      case "restart":
        break;
      case "query":
      case "error":
      case "same":
      case "deletebyquery": {
        const sep = rest.findIndex((r) => r.text.trim() === "----");
        if (sep < 0) throw new ScriptError(`${where(head.n)}: '${words[0]}' record without '----'`);
        const before = rest.slice(0, sep);
        const after = rest.slice(sep + 1);
        const parseQuery = (part) => {
          const q = { text: [], parameters: null };
          for (const { text: l, n } of part) {
            if (l.startsWith("parameters ")) {
              try { q.parameters = parseJson(l.slice("parameters ".length)); } catch (e) {
                throw new ScriptError(`${where(n)}: bad parameters JSON: ${e.message}`);
              }
            } else {
              if (q.parameters !== null) throw new ScriptError(`${where(n)}: query text after parameters`);
              q.text.push(l);
            }
          }
          if (q.text.length === 0) throw new ScriptError(`${where(head.n)}: empty query`);
          q.text = q.text.join("\n");
          return q;
        };
        rec.query = parseQuery(before);
        if (words[0] === "same") {
          rec.other = parseQuery(after);
          break;
        }
        if (words[0] === "error") {
          if (words.length !== 2) throw new ScriptError(`${where(head.n)}: 'error <ExceptionType>'`);
          rec.type = words[1];
          rec.messages = after.map((r) => r.text);
          break;
        }
        if (words[0] === "deletebyquery") {
          if (after.length !== 1 || !/^\d+$/.test(after[0].text.trim())) {
            throw new ScriptError(`${where(head.n)}: deletebyquery expects one line: the number deleted`);
          }
          rec.deleted = Number(after[0].text.trim());
          break;
        }
        rec.resultKind = "ids";
        rec.ordered = true;
        for (const w of words.slice(1)) {
          if (["ids", "rows", "count"].includes(w)) rec.resultKind = w;
          else if (w === "ordered" || w === "unordered") rec.ordered = w === "ordered";
          else throw new ScriptError(`${where(head.n)}: unknown query option '${w}'`);
        }
        rec.expected = [];
        rec.assertions = [];
        for (const { text: l, n } of after) {
          const a = /^@(\w+)(?:\s+(.*))?$/.exec(l);
          if (a) {
            rec.assertions.push({ name: a[1], arg: (a[2] ?? "").trim(), where: where(n) });
            continue;
          }
          if (rec.resultKind === "rows") {
            rec.expected.push({ row: parseJson(l), text: l, where: where(n) });
          } else {
            rec.expected.push({ text: l.trim(), where: where(n) });
          }
        }
        if (rec.resultKind === "count" && rec.expected.length !== 1) {
          throw new ScriptError(`${where(head.n)}: 'query count' expects one line`);
        }
        break;
      }
      default:
        throw new ScriptError(`${where(head.n)}: unknown record '${words[0]}'`);
    }
    records.push(rec);
  }
  return records;
}

// ---------------------------------------------------------------------------------------------
// Server

class Server {
  constructor(binary, dataDir) {
    this.binary = binary;
    this.dataDir = dataDir;
    this.proc = null;
    this.url = null;
    this.stderr = "";
  }

  async start() {
    const proc = spawn(this.binary, ["serve", "--port", "0", "--data-dir", this.dataDir], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.proc = proc;
    this.stderr = "";
    proc.stderr.on("data", (d) => { this.stderr += d; });
    this.exited = new Promise((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));
    this.url = await new Promise((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error("rookery did not start in 20 s:\n" + this.stderr)), 20000);
      proc.stdout.on("data", (d) => {
        out += d;
        const m = /Server available on: (\S+)/.exec(out);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      });
      proc.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`rookery exited with ${code} before starting:\n${this.stderr}`));
      });
      proc.on("error", (e) => {
        clearTimeout(timer);
        reject(new Error(`cannot start ${this.binary}: ${e.message}`));
      });
    });
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    this.proc.stdin.write("shutdown\n");
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), 30000);
    const result = await this.exited;
    clearTimeout(timer);
    this.proc = null;
    if (result.code !== 0) throw new Error(`rookery exited with ${JSON.stringify(result)}:\n${this.stderr}`);
  }

  async restart() {
    await this.stop();
    await this.start();
  }

  // Returns { status, body (parsed JSON with Num numbers, or null), text }.
  async request(method, pathAndQuery, body) {
    const res = await fetch(this.url + pathAndQuery, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : serialize(body),
    });
    const text = await res.text();
    let parsed = null;
    if (text.length > 0) {
      try { parsed = parseJson(text); } catch { parsed = null; }
    }
    return { status: res.status, body: parsed, text };
  }
}

// ---------------------------------------------------------------------------------------------
// Running

class Failure extends Error {}

const get = (obj, ...keys) => {
  let v = obj;
  for (const k of keys) {
    if (!(v instanceof Map)) return undefined;
    v = v.get(k);
  }
  return v;
};

function describeResult(kind, r) {
  if (kind === "rows") return JSON.stringify(toPlain(r));
  const id = get(r, "@metadata", "@id");
  return typeof id === "string" ? id : JSON.stringify(toPlain(r));
}

// Line-by-line diff of expected vs actual lists, marking the first differing line.
function diff(expected, actual) {
  const out = [];
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    const a = actual[i];
    const mark = e === a ? "  " : "! ";
    out.push(`${mark}${String(i).padStart(3)}  expected: ${e ?? "(none)"}`);
    if (e !== a) out.push(`        actual:   ${a ?? "(none)"}`);
  }
  return out.join("\n");
}

async function runQuery(server, db, q) {
  return server.request("POST", `/databases/${encodeURIComponent(db)}/queries`, {
    Query: q.text,
    QueryParameters: q.parameters,
    WaitForNonStaleResults: true,
    WaitForNonStaleResultsTimeout: 15000,
  });
}

function expectOk(res, rec, q) {
  if (res.status !== 200 || !(res.body instanceof Map) || !Array.isArray(res.body.get("Results"))) {
    throw new Failure(`${rec.where}: query failed with HTTP ${res.status}\n  query: ${q.text}\n  ` +
                      `parameters: ${serialize(q.parameters)}\n  response: ${res.text.slice(0, 2000)}`);
  }
  if (res.body.get("IsStale") !== false) {
    throw new Failure(`${rec.where}: IsStale is ${res.body.get("IsStale")} despite WaitForNonStaleResults\n  query: ${q.text}`);
  }
  return res.body;
}

function checkQuery(rec, body) {
  const results = body.get("Results");
  const header = `${rec.where}: query\n  ${rec.query.text.replace(/\n/g, "\n  ")}` +
                 (rec.query.parameters ? `\n  parameters ${serialize(rec.query.parameters)}` : "");
  if (rec.resultKind === "count") {
    const total = body.get("TotalResults");
    const want = Number(rec.expected[0].text);
    if (!(total instanceof Num) || total.value !== want) {
      throw new Failure(`${header}\n  TotalResults: expected ${want}, actual ${toPlain(total)}`);
    }
  } else if (rec.resultKind === "ids") {
    let expected = rec.expected.map((e) => e.text.toLowerCase());
    let actual = results.map((r) => {
      const id = get(r, "@metadata", "@id");
      return typeof id === "string" ? id.toLowerCase() : `(no @metadata.@id: ${JSON.stringify(toPlain(r))})`;
    });
    if (!rec.ordered) { expected = [...expected].sort(); actual = [...actual].sort(); }
    if (expected.length !== actual.length || expected.some((e, i) => e !== actual[i])) {
      throw new Failure(`${header}\n${diff(expected, actual)}`);
    }
  } else {
    // rows: compare as JSON values; an @metadata object (at any depth) only on the keys the
    // expected value lists at the same place, and not at all where it lists none.
    const shape = (expectedValue, actualValue) => {
      if (Array.isArray(actualValue)) {
        return actualValue.map((a, i) => shape(Array.isArray(expectedValue) ? expectedValue[i] : undefined, a));
      }
      if (!(actualValue instanceof Map)) return actualValue;
      const e = expectedValue instanceof Map ? expectedValue : new Map();
      const copy = new Map();
      for (const [k, a] of actualValue) {
        if (k === "@metadata") {
          const em = e.get("@metadata");
          if (!(em instanceof Map)) continue;
          const kept = new Map();
          for (const mk of em.keys()) if (a instanceof Map && a.has(mk)) kept.set(mk, a.get(mk));
          copy.set(k, kept);
        } else {
          copy.set(k, shape(e.get(k), a));
        }
      }
      return copy;
    };
    let expected = rec.expected.map((e) => e.row);
    let actual = results;
    if (!rec.ordered) {
      // Pair each actual row with an equal expected row, whatever the order.
      const remaining = [...actual];
      const pairedActual = [];
      for (const e of expected) {
        const j = remaining.findIndex((a) => valuesEqual(e, shape(e, a)));
        pairedActual.push(j >= 0 ? remaining.splice(j, 1)[0] : undefined);
      }
      actual = [...pairedActual.filter((a) => a !== undefined), ...remaining];
      expected = [...expected.filter((_, i) => pairedActual[i] !== undefined),
                  ...expected.filter((_, i) => pairedActual[i] === undefined)];
    }
    const n = Math.max(expected.length, actual.length);
    const e = [];
    const a = [];
    let ok = expected.length === actual.length;
    for (let i = 0; i < n; i++) {
      const er = expected[i];
      const ar = actual[i] === undefined ? undefined : shape(er, actual[i]);
      const same = er !== undefined && ar !== undefined && valuesEqual(er, ar);
      if (!same) ok = false;
      e.push(er === undefined ? undefined : canonical(er));
      a.push(ar === undefined ? undefined : same ? canonical(er) : canonical(ar));
    }
    if (!ok) throw new Failure(`${header}\n${diff(e, a)}\n  (numbers shown as N / Nd: integer / non-integer)`);
  }
  for (const as of rec.assertions) {
    const fail = (actual) => {
      throw new Failure(`${header}\n  ${as.where}: @${as.name} ${as.arg}: actual ${actual}`);
    };
    switch (as.name) {
      case "includes": {
        const inc = body.get("Includes");
        const keys = inc instanceof Map ? [...inc.keys()].map((k) => k.toLowerCase()).sort() : [];
        const want = as.arg === "" ? [] : as.arg.split(/\s+/).map((k) => k.toLowerCase()).sort();
        if (keys.join(" ") !== want.join(" ")) fail(keys.join(" ") || "(none)");
        break;
      }
      case "index": {
        const name = body.get("IndexName");
        if (name !== as.arg) fail(JSON.stringify(name));
        break;
      }
      case "total": {
        const total = body.get("TotalResults");
        if (!(total instanceof Num) || total.value !== Number(as.arg)) fail(toPlain(total));
        break;
      }
      case "skipped": {
        const skipped = body.get("SkippedResults");
        if (!(skipped instanceof Num) || skipped.value !== Number(as.arg)) fail(toPlain(skipped));
        break;
      }
      default:
        throw new ScriptError(`${as.where}: unknown assertion @${as.name}`);
    }
  }
}

async function runRecord(server, db, rec) {
  const base = `/databases/${encodeURIComponent(db)}`;
  switch (rec.kind) {
    case "documents":
    case "delete": {
      const commands = rec.kind === "documents"
        ? rec.docs.map((d) => ({
            Type: "PUT",
            Id: d.id,
            ChangeVector: null,
            Document: new Map([...d.body, ["@metadata", new Map(d.collection ? [["@collection", d.collection]] : [])]]),
          }))
        : rec.ids.map((id) => ({ Type: "DELETE", Id: id, ChangeVector: null }));
      const res = await server.request("POST", `${base}/bulk_docs`, { Commands: commands });
      if (res.status !== 201 && res.status !== 200) {
        throw new Failure(`${rec.where}: bulk_docs failed with HTTP ${res.status}: ${res.text.slice(0, 2000)}`);
      }
      return;
    }
    case "restart":
      await server.restart();
      return;
    case "query": {
      const body = expectOk(await runQuery(server, db, rec.query), rec, rec.query);
      checkQuery(rec, body);
      return;
    }
    case "same": {
      const ids = async (q) => expectOk(await runQuery(server, db, q), rec, q).get("Results")
        .map((r) => describeResult("ids", r));
      const a = await ids(rec.query);
      const b = await ids(rec.other);
      if (a.join("\n") !== b.join("\n")) {
        throw new Failure(`${rec.where}: 'same' queries differ\n  first:  ${rec.query.text}\n  ` +
                          `second: ${rec.other.text}\n${diff(a, b)}`);
      }
      return;
    }
    case "error": {
      const res = await runQuery(server, db, rec.query);
      const type = get(res.body, "Type");
      const message = get(res.body, "Message") ?? get(res.body, "Error") ?? "";
      const header = `${rec.where}: error ${rec.type}\n  query: ${rec.query.text}`;
      if (res.status < 400) {
        throw new Failure(`${header}\n  expected a failure, got HTTP ${res.status}: ${res.text.slice(0, 500)}`);
      }
      if (typeof type !== "string" || !(type === rec.type || type.endsWith("." + rec.type))) {
        throw new Failure(`${header}\n  Type: expected ...${rec.type}, actual ${type}\n  message: ${message}`);
      }
      for (const m of rec.messages) {
        if (!String(message).includes(m)) {
          throw new Failure(`${header}\n  Message does not contain: ${m}\n  actual Message: ${message}`);
        }
      }
      return;
    }
    case "deletebyquery": {
      const res = await server.request("DELETE", `${base}/queries?allowStale=&details=`, {
        Query: rec.query.text,
        QueryParameters: rec.query.parameters,
      });
      const id = get(res.body, "OperationId");
      if (res.status !== 200 || !(id instanceof Num)) {
        throw new Failure(`${rec.where}: DELETE /queries failed with HTTP ${res.status}: ${res.text.slice(0, 2000)}`);
      }
      for (let attempt = 0; ; attempt++) {
        const st = await server.request("GET", `${base}/operations/state?id=${id.value}`);
        const status = get(st.body, "Status");
        if (status === "Completed") {
          const total = get(st.body, "Result", "Total");
          if (!(total instanceof Num) || total.value !== rec.deleted) {
            throw new Failure(`${rec.where}: delete by query deleted ${toPlain(total)}, expected ${rec.deleted}\n  ` +
                              `query: ${rec.query.text}`);
          }
          return;
        }
        if (status !== "InProgress" || attempt > 600) {
          throw new Failure(`${rec.where}: operation ${id.value} is ${status}: ${st.text.slice(0, 2000)}`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    default:
      throw new ScriptError(`${rec.where}: unknown record ${rec.kind}`);
  }
}

const writes = new Set(["documents", "delete", "deletebyquery"]);

// In restart mode, a restart before the first query after a write.
function withRestarts(records, mode) {
  if (mode !== "restart") return records;
  const out = [];
  let dirty = false;
  for (const rec of records) {
    if (writes.has(rec.kind)) dirty = true;
    else if (rec.kind === "restart") dirty = false;
    else if (dirty) {
      out.push({ kind: "restart", where: `${rec.where} (inserted)` });
      dirty = false;
    }
    out.push(rec);
  }
  return out;
}

let dbCounter = 0;

async function runFile(server, file, records, mode) {
  const db = `querylogic-${++dbCounter}`;
  const created = await server.request("PUT", `/admin/databases?name=${db}&replicationFactor=1`, {
    DatabaseName: db,
  });
  if (created.status !== 201) throw new Error(`creating ${db} failed: HTTP ${created.status} ${created.text}`);
  try {
    for (const rec of withRestarts(records, mode)) await runRecord(server, db, rec);
  } finally {
    await server.request("DELETE", "/admin/databases", { DatabaseNames: [db], HardDelete: true });
  }
}

function findScripts(target, out) {
  if (statSync(target).isDirectory()) {
    for (const name of readdirSync(target).sort()) findScripts(path.join(target, name), out);
  } else if (target.endsWith(".test")) {
    out.push(target);
  }
  return out;
}

async function main() {
  const args = process.argv.slice(2);
  let binary = process.env.ROOKERY_BINARY;
  const modes = [];
  const targets = [];
  let verbose = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--binary") binary = args[++i];
    else if (args[i] === "--mode") modes.push(args[++i]);
    else if (args[i] === "--verbose") verbose = true;
    else targets.push(args[i]);
  }
  if (!binary) {
    console.error("no rookery binary: pass --binary PATH or set ROOKERY_BINARY");
    process.exit(2);
  }
  if (modes.length === 0) modes.push("plain", "restart");
  for (const m of modes) {
    if (m !== "plain" && m !== "restart") { console.error(`unknown mode ${m}`); process.exit(2); }
  }
  const files = [];
  for (const t of targets.length ? targets : [here]) findScripts(t, files);
  const scripts = [];
  let failures = 0;
  for (const f of files) {
    try {
      scripts.push({ file: path.relative(process.cwd(), f), records: parseScript(readFileSync(f, "utf8"), path.relative(process.cwd(), f)) });
    } catch (e) {
      console.error(`FAIL ${f}: ${e.message}`);
      failures++;
    }
  }
  let passed = 0;
  for (const mode of modes) {
    const dir = mkdtempSync(path.join(tmpdir(), "rookery-querylogic-"));
    const server = new Server(binary, dir);
    try {
      await server.start();
      for (const s of scripts) {
        const t0 = Date.now();
        try {
          await runFile(server, s.file, s.records, mode);
          passed++;
          if (verbose) console.log(`ok   [${mode}] ${s.file} (${Date.now() - t0} ms)`);
        } catch (e) {
          failures++;
          console.error(`FAIL [${mode}] ${e instanceof Failure || e instanceof ScriptError ? e.message : e.stack}`);
          if (!server.proc) await server.start();  // a failed restart: keep going with the next file
        }
      }
    } finally {
      try { await server.stop(); } catch (e) { failures++; console.error(`FAIL [${mode}] stopping: ${e.message}`); }
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const total = scripts.length * modes.length;
  console.log(`querylogic: ${passed} of ${total} script runs passed (${scripts.length} scripts, modes: ${modes.join(", ")})`);
  process.exit(failures === 0 ? 0 : 1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => { console.error(e.stack); process.exit(1); });
}

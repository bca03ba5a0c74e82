// Starts the real `rookery` binary for a test file and stops it afterwards.
// The binary comes from ROOKERY_BINARY (set by CTest; tests/CMakeLists.txt).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DocumentStore, CreateDatabaseOperation, DeleteDatabasesOperation } from "ravendb";

export function binary() {
  const bin = process.env.ROOKERY_BINARY;
  if (!bin) throw new Error("ROOKERY_BINARY is not set: run these tests through ctest or make test");
  return bin;
}

export function tempDir() {
  return mkdtempSync(path.join(tmpdir(), "rookery-client-"));
}

// Starts `rookery serve --port 0` and resolves once it prints "Server available on: <url>".
// options: { dataDir } (default: a fresh temporary directory removed by stop()) or { inMemory }.
export async function startServer(options = {}) {
  const ownDir = !options.dataDir && !options.inMemory ? tempDir() : null;
  const dataDir = options.dataDir ?? ownDir;
  const args = ["serve", "--port", "0"];
  if (options.inMemory) args.push("--in-memory");
  else args.push("--data-dir", dataDir);
  const proc = spawn(binary(), args, { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("rookery did not start in 20 s:\n" + stderr)), 20000);
    proc.stdout.on("data", (d) => {
      out += d;
      const m = /Server available on: (\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`rookery exited with ${code} before starting:\n${stderr}`));
    });
  });
  const exited = new Promise((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));
  return {
    url,
    dataDir,
    stderr: () => stderr,
    async stop() {
      if (proc.exitCode === null) {
        proc.stdin.write("shutdown\n");
        const timer = setTimeout(() => proc.kill("SIGKILL"), 30000);
        const result = await exited;
        clearTimeout(timer);
        if (result.code !== 0) throw new Error(`rookery exited with ${JSON.stringify(result)}:\n${stderr}`);
      }
      if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
// A new database on the server and an initialized store for it; dispose() deletes both.
export async function newDatabase(url, prefix = "db") {
  const name = `${prefix}_${process.pid}_${++counter}`;
  const admin = new DocumentStore(url, name);
  admin.initialize();
  await admin.maintenance.server.send(new CreateDatabaseOperation({ databaseName: name }));
  return {
    name,
    store: admin,
    async dispose() {
      await admin.maintenance.server.send(new DeleteDatabasesOperation({ databaseNames: [name], hardDelete: true }));
      admin.dispose();
    },
  };
}

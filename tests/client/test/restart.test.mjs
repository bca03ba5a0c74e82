// Databases and documents survive a restart of the server on the same data directory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { DocumentStore, CreateDatabaseOperation, GetDatabaseNamesOperation } from "ravendb";
import { startServer, tempDir } from "./server.mjs";

class Thing {
  constructor(name) { this.name = name; }
}

test("documents survive a server restart", async () => {
  const dir = tempDir();
  try {
    let server = await startServer({ dataDir: dir });
    let store = new DocumentStore(server.url, "durable");
    store.initialize();
    try {
      await store.maintenance.server.send(new CreateDatabaseOperation({ databaseName: "durable" }));
      const session = store.openSession();
      await session.store({ name: "kept", "@metadata": { "@collection": "Things" } }, "things/1");
      await session.store(new Thing("hilo"));  // HiLo: things/1-A
      await session.saveChanges();
    } finally {
      store.dispose();
      await server.stop();
    }

    server = await startServer({ dataDir: dir });
    store = new DocumentStore(server.url, "durable");
    store.initialize();
    try {
      const names = await store.maintenance.server.send(new GetDatabaseNamesOperation(0, 25));
      assert.deepEqual(names, ["durable"]);
      const session = store.openSession();
      assert.equal((await session.load("things/1")).name, "kept");
      const all = await session.advanced.loadStartingWith("things/");
      assert.equal(all.length, 2);
      // HiLo continues after the range of the first run.
      const s2 = store.openSession();
      const next = new Thing("after");
      await s2.store(next);
      await s2.saveChanges();
      const ids = all.map((d) => session.advanced.getDocumentId(d));
      assert.ok(!ids.includes(s2.advanced.getDocumentId(next)));
    } finally {
      store.dispose();
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

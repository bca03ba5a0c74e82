// Revisions through the official client: configuration, reads (by id, metadata, change vector,
// count, lazily), the bin, restart, and the revert endpoint with operation polling.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import {
  DocumentStore, CreateDatabaseOperation, ConfigureRevisionsOperation, RevisionsConfiguration,
  RevisionsCollectionConfiguration, GetRevisionsBinEntryCommand, GetDatabaseRecordOperation,
  GetStatisticsOperation, DeleteDatabasesOperation,
} from "ravendb";
import { startServer, newDatabase, tempDir } from "./server.mjs";

class User {
  constructor(name, age) { this.name = name; this.age = age; }
}

async function configure(store, collections = {}, defaults = { disabled: false }) {
  const config = new RevisionsConfiguration();
  const d = new RevisionsCollectionConfiguration();
  Object.assign(d, defaults);
  config.defaultConfig = d;
  config.collections = new Map();
  for (const [name, settings] of Object.entries(collections)) {
    const c = new RevisionsCollectionConfiguration();
    Object.assign(c, settings);
    config.collections.set(name, c);
  }
  return store.maintenance.send(new ConfigureRevisionsOperation(config));
}

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

test("configuration is stored and shown in the database record", async () => {
  const db = await newDatabase(server.url, "revcfg");
  try {
    const result = await configure(db.store, { Orders: { purgeOnDelete: true, minimumRevisionsToKeep: 3 } },
      { disabled: false, minimumRevisionsToKeep: 5 });
    assert.ok(result.raftCommandIndex > 0);
    const record = await db.store.maintenance.server.send(new GetDatabaseRecordOperation(db.name));
    assert.equal(record.revisions.default.minimumRevisionsToKeep, 5);
    // The client camel-cases the record's keys, collection names included.
    const orders = Object.entries(record.revisions.collections)
      .find(([name]) => name.toLowerCase() === "orders")[1];
    assert.equal(orders.purgeOnDelete, true);
    assert.equal(orders.minimumRevisionsToKeep, 3);
  } finally {
    await db.dispose();
  }
});

test("revisions in the create-database record are applied", async () => {
  const name = `revcreate_${process.pid}`;
  const store = new DocumentStore(server.url, name);
  store.initialize();
  try {
    const config = new RevisionsConfiguration();
    const d = new RevisionsCollectionConfiguration();
    d.minimumRevisionsToKeep = 2;
    config.defaultConfig = d;
    await store.maintenance.server.send(new CreateDatabaseOperation({ databaseName: name, revisions: config }));
    for (const age of [1, 2, 3]) {
      const s = store.openSession();
      await s.store(new User("c", age), "users/c");
      await s.saveChanges();
    }
    assert.equal(await store.openSession().advanced.revisions.getCountFor("users/c"), 2);
  } finally {
    await store.maintenance.server.send(new DeleteDatabasesOperation({ databaseNames: [name], hardDelete: true }));
    store.dispose();
  }
});

test("a bad configuration is a clear 400, not a crash", async () => {
  const db = await newDatabase(server.url, "revbad");
  try {
    const url = `${server.url}/databases/${db.name}/admin/revisions/config`;
    for (const body of ['{"Default":{"MinimumRevisionsToKeep":-3}}', "not json", '{"Collections":[1]}']) {
      const res = await fetch(url, { method: "POST", body, headers: { "Content-Type": "text/plain" } });
      assert.equal(res.status, 400, body);
      const err = await res.json();
      assert.ok(err.Message.length > 0 && err.Type, JSON.stringify(err));
    }
    const res = await fetch(`${server.url}/databases/${db.name}/revisions?before=yesterday&id=x`);
    assert.equal(res.status, 400);
    const revert = await fetch(`${server.url}/databases/${db.name}/revisions/revert`,
      { method: "POST", body: '{"Time":"later"}' });
    assert.equal(revert.status, 400);
    assert.match((await revert.json()).Message, /Time/);
  } finally {
    await db.dispose();
  }
});

test("getFor, getMetadataFor, get by change vector, getCountFor, lazily", async () => {
  const db = await newDatabase(server.url, "revread");
  try {
    await configure(db.store);
    for (let age = 1; age <= 3; age++) {
      const s = db.store.openSession();
      await s.store(Object.assign(new User("Rev", age), {}), "users/rev");
      await s.saveChanges();
    }
    const s = db.store.openSession();
    const doc = await s.load("users/rev");
    assert.equal(s.advanced.getMetadataFor(doc)["@flags"], "HasRevisions");

    const revisions = await s.advanced.revisions.getFor("users/rev");
    assert.deepEqual(revisions.map((r) => r.age), [3, 2, 1]);  // newest first
    const page = await s.advanced.revisions.getFor("users/rev", { start: 1, pageSize: 1 });
    assert.deepEqual(page.map((r) => r.age), [2]);

    const metadata = await s.advanced.revisions.getMetadataFor("users/rev");
    assert.equal(metadata.length, 3);
    assert.equal(metadata[0]["@flags"], "HasRevisions, Revision");
    const oldestCv = metadata[2]["@change-vector"];

    const byCv = await s.advanced.revisions.get(oldestCv);
    assert.equal(byCv.age, 1);
    const many = await s.advanced.revisions.get([oldestCv, metadata[0]["@change-vector"]]);
    assert.equal(many[oldestCv].age, 1);
    assert.equal(many[metadata[0]["@change-vector"]].age, 3);
    assert.equal(await s.advanced.revisions.get("A:999999-nothere"), null);

    assert.equal(await s.advanced.revisions.getCountFor("users/rev"), 3);
    assert.equal(await s.advanced.revisions.getCountFor("users/none"), 0);

    const lazy = db.store.openSession();
    const lazyRevs = lazy.advanced.revisions.lazily.getFor("users/rev");
    const lazyCv = lazy.advanced.revisions.lazily.get(oldestCv);
    await lazy.advanced.eagerly.executeAllPendingLazyOperations();
    assert.deepEqual((await lazyRevs.getValue()).map((r) => r.age), [3, 2, 1]);
    assert.equal((await lazyCv.getValue()).age, 1);

    const stats = await db.store.maintenance.send(new GetStatisticsOperation());
    assert.equal(stats.countOfRevisionDocuments, 3);
  } finally {
    await db.dispose();
  }
});

test("deletes leave delete revisions and fill the bin; PurgeOnDelete does not", async () => {
  const db = await newDatabase(server.url, "revbin");
  try {
    await configure(db.store, { Orders: { purgeOnDelete: true } });
    const s = db.store.openSession();
    await s.store(new User("a", 1), "users/a");
    await s.store(new User("b", 2), "users/b");
    await s.store({ total: 5, "@metadata": { "@collection": "Orders" } }, "orders/1");
    await s.saveChanges();
    const d = db.store.openSession();
    d.delete("users/a");
    d.delete("users/b");
    d.delete("orders/1");
    await d.saveChanges();

    const s2 = db.store.openSession();
    const meta = await s2.advanced.revisions.getMetadataFor("users/a");
    assert.equal(meta.length, 2);
    assert.equal(meta[0]["@flags"], "HasRevisions, DeleteRevision");
    assert.equal(await s2.advanced.revisions.getCountFor("orders/1"), 0);

    const cmd = new GetRevisionsBinEntryCommand(db.store.conventions, 0, 10);
    await db.store.getRequestExecutor().execute(cmd);
    const ids = cmd.result.results.map((r) => r["@metadata"]["@id"]).sort();
    assert.deepEqual(ids, ["users/a", "users/b"]);
  } finally {
    await db.dispose();
  }
});

async function waitForOperation(url, dbName, id) {
  for (let i = 0; i < 600; i++) {
    const res = await fetch(`${url}/databases/${dbName}/operations/state?id=${id}`);
    const state = await res.json();
    if (state.Status !== "InProgress") return state;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("operation did not finish");
}

test("revert endpoint: dry run, then the real operation polled to completion", async () => {
  const db = await newDatabase(server.url, "revert");
  try {
    await configure(db.store);
    const s = db.store.openSession();
    await s.store(new User("before", 1), "users/1");
    await s.saveChanges();
    await new Promise((r) => setTimeout(r, 20));
    const point = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const u = db.store.openSession();
    const user = await u.load("users/1");
    user.name = "after";
    await u.store(new User("new", 2), "users/2");
    await u.saveChanges();

    const post = async (body) => {
      const res = await fetch(`${server.url}/databases/${db.name}/revisions/revert`,
        { method: "POST", body: JSON.stringify(body) });
      assert.equal(res.status, 200);
      const started = await res.json();
      assert.equal(started.OperationNodeTag, "A");
      return waitForOperation(server.url, db.name, started.OperationId);
    };
    const dry = await post({ Time: point.toISOString(), WindowInSec: 600, DryRun: true });
    assert.equal(dry.Status, "Completed");
    assert.equal(dry.Result.RevertedDocuments, 2);
    assert.equal(dry.Result.DryRun, true);
    assert.deepEqual(dry.Result.Collections.Users, { Restored: 1, Deleted: 1 });
    assert.deepEqual([...dry.Result.Ids].sort(), ["users/1", "users/2"]);
    assert.equal((await db.store.openSession().load("users/1")).name, "after");

    const real = await post({ Time: point.toISOString() });
    assert.equal(real.Status, "Completed");
    assert.equal(real.Result.RevertedDocuments, 2);
    assert.equal(real.Progress.RevertedDocuments, 2);
    const check = db.store.openSession();
    assert.equal((await check.load("users/1")).name, "before");
    assert.equal(await check.load("users/2"), null);
    // The revert wrote revisions like any write.
    assert.equal(await check.advanced.revisions.getCountFor("users/1"), 3);
  } finally {
    await db.dispose();
  }
});

test("revisions and their configuration survive a restart", async () => {
  const dir = tempDir();
  try {
    let srv = await startServer({ dataDir: dir });
    let store = new DocumentStore(srv.url, "revdurable");
    store.initialize();
    try {
      await store.maintenance.server.send(new CreateDatabaseOperation({ databaseName: "revdurable" }));
      await configure(store, { Logs: { disabled: true } });
      for (const age of [1, 2]) {
        const s = store.openSession();
        await s.store(new User("x", age), "users/x");
        await s.saveChanges();
      }
    } finally {
      store.dispose();
      await srv.stop();
    }
    srv = await startServer({ dataDir: dir });
    store = new DocumentStore(srv.url, "revdurable");
    store.initialize();
    try {
      const s = store.openSession();
      assert.deepEqual((await s.advanced.revisions.getFor("users/x")).map((r) => r.age), [2, 1]);
      await s.store({ "@metadata": { "@collection": "Logs" } }, "logs/1");
      await s.store(new User("x", 3), "users/x");
      await s.saveChanges();
      const s2 = store.openSession();
      assert.equal(await s2.advanced.revisions.getCountFor("users/x"), 3);
      assert.equal(await s2.advanced.revisions.getCountFor("logs/1"), 0);
    } finally {
      store.dispose();
      await srv.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

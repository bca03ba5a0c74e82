// Databases: create, list, delete, reuse of a name, errors for missing and duplicate databases.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  DocumentStore, CreateDatabaseOperation, DeleteDatabasesOperation, GetDatabaseNamesOperation,
  GetDatabaseRecordOperation, GetStatisticsOperation,
} from "ravendb";
import { startServer } from "./server.mjs";

let server;
let store;
before(async () => {
  server = await startServer();
  store = new DocumentStore(server.url, "unused");
  store.initialize();
});
after(async () => {
  store?.dispose();
  await server?.stop();
});

test("a new server has no databases", async () => {
  const names = await store.maintenance.server.send(new GetDatabaseNamesOperation(0, 25));
  assert.deepEqual(names, []);
});

test("create, list, read the record, delete and create again", async () => {
  await store.maintenance.server.send(new CreateDatabaseOperation({ databaseName: "Shop" }));
  await store.maintenance.server.send(new CreateDatabaseOperation({ databaseName: "archive" }));
  let names = await store.maintenance.server.send(new GetDatabaseNamesOperation(0, 25));
  assert.deepEqual(names, ["archive", "Shop"]);

  const record = await store.maintenance.server.send(new GetDatabaseRecordOperation("Shop"));
  assert.equal(record.databaseName, "Shop");
  assert.equal(await store.maintenance.server.send(new GetDatabaseRecordOperation("nope")) ?? null, null);

  await store.maintenance.server.send(new DeleteDatabasesOperation({ databaseNames: ["Shop"], hardDelete: true }));
  names = await store.maintenance.server.send(new GetDatabaseNamesOperation(0, 25));
  assert.deepEqual(names, ["archive"]);

  // The name can be used again, and the new database starts empty.
  await store.maintenance.server.send(new CreateDatabaseOperation({ databaseName: "Shop" }));
  const shop = new DocumentStore(server.url, "Shop");
  shop.initialize();
  try {
    const stats = await shop.maintenance.send(new GetStatisticsOperation());
    assert.equal(stats.countOfDocuments, 0);
    assert.deepEqual(stats.indexes, []);
  } finally {
    shop.dispose();
  }
  await store.maintenance.server.send(new DeleteDatabasesOperation({ databaseNames: ["Shop", "archive"], hardDelete: true }));
});

test("creating an existing database is a ConcurrencyException", async () => {
  await store.maintenance.server.send(new CreateDatabaseOperation({ databaseName: "twice" }));
  await assert.rejects(
    store.maintenance.server.send(new CreateDatabaseOperation({ databaseName: "twice" })),
    (err) => err.name === "ConcurrencyException" && /Database 'twice' already exists!/.test(err.message));
  await store.maintenance.server.send(new DeleteDatabasesOperation({ databaseNames: ["twice"], hardDelete: true }));
});

test("an invalid database name is a clear error", async () => {
  await assert.rejects(
    store.maintenance.server.send(new CreateDatabaseOperation({ databaseName: "bad name!" })),
    (err) => /only letters, digits/.test(err.message));
});

test("a missing database is DatabaseDoesNotExistException", async () => {
  const missing = new DocumentStore(server.url, "missing");
  missing.initialize();
  try {
    const session = missing.openSession();
    await assert.rejects(session.load("users/1"), (err) => err.name === "DatabaseDoesNotExistException");
    await assert.rejects(
      store.maintenance.server.send(new DeleteDatabasesOperation({ databaseNames: ["missing"], hardDelete: true })),
      (err) => err.name === "DatabaseDoesNotExistException");
  } finally {
    missing.dispose();
  }
});

// Sessions: store, load (one, many, missing, includes, startsWith), delete, optimistic
// concurrency, exists, conditional load (304), lazy loads (multi_get).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { GetCollectionStatisticsOperation } from "ravendb";
import { startServer, newDatabase } from "./server.mjs";

class User {
  constructor(name, companyId) {
    this.name = name;
    this.companyId = companyId;
  }
}
class Company {
  constructor(name) { this.name = name; }
}

let server;
let db;
before(async () => {
  server = await startServer({ inMemory: true });
  db = await newDatabase(server.url, "docs");
});
after(async () => {
  await db?.dispose();
  await server?.stop();
});

test("store and load one, many and missing documents", async () => {
  const s1 = db.store.openSession();
  await s1.store(new Company("Acme"), "companies/1");
  await s1.store(new User("John", "companies/1"), "users/1");
  await s1.store(new User("Mary", "companies/1"), "users/2");
  await s1.saveChanges();

  const s2 = db.store.openSession();
  const john = await s2.load("users/1", User);
  assert.ok(john instanceof User);
  assert.equal(john.name, "John");
  const meta = s2.advanced.getMetadataFor(john);
  assert.equal(meta["@collection"], "Users");
  assert.match(meta["@change-vector"], /^A:\d+-/);
  assert.equal(await s2.load("users/404"), null);

  const many = await s2.load(["users/1", "users/2", "users/404"], User);
  assert.equal(many["users/1"].name, "John");
  assert.equal(many["users/2"].name, "Mary");
  assert.equal(many["users/404"], null);

  // Ids are case-insensitive.
  const s3 = db.store.openSession();
  assert.equal((await s3.load("USERS/2")).name, "Mary");
});

test("includes bring the referenced documents in the same request", async () => {
  const session = db.store.openSession();
  const user = await session.include("companyId").load("users/1", User);
  assert.equal(session.advanced.numberOfRequests, 1);
  const company = await session.load(user.companyId, Company);
  assert.equal(company.name, "Acme");
  assert.equal(session.advanced.numberOfRequests, 1, "the include must be served from the session");
});

test("loadStartingWith pages through ids by prefix", async () => {
  const s = db.store.openSession();
  for (let i = 1; i <= 5; i++) await s.store({ n: i, "@metadata": { "@collection": "Items" } }, `items/${i}`);
  await s.saveChanges();
  const page = await db.store.openSession().advanced.loadStartingWith("items/", { start: 1, pageSize: 2 });
  assert.deepEqual(page.map((d) => d.n), [2, 3]);
  const stats = await db.store.maintenance.send(new GetCollectionStatisticsOperation());
  assert.equal(stats.collections["Items"], 5);
});

test("delete removes a document", async () => {
  const s1 = db.store.openSession();
  await s1.store(new User("Temp"), "users/temp");
  await s1.saveChanges();
  const s2 = db.store.openSession();
  await s2.delete("users/temp");
  await s2.saveChanges();
  assert.equal(await db.store.openSession().load("users/temp"), null);
  assert.equal(await db.store.openSession().advanced.exists("users/temp"), false);
});

test("advanced.exists answers from HEAD", async () => {
  const session = db.store.openSession();
  assert.equal(await session.advanced.exists("users/1"), true);
  assert.equal(await session.advanced.exists("users/nobody"), false);
});

test("optimistic concurrency: a stale change vector is a ConcurrencyException", async () => {
  const setup = db.store.openSession();
  await setup.store(new User("Original"), "users/occ");
  await setup.saveChanges();

  const a = db.store.openSession();
  a.advanced.useOptimisticConcurrency = true;
  const b = db.store.openSession();
  b.advanced.useOptimisticConcurrency = true;
  const ua = await a.load("users/occ", User);
  const ub = await b.load("users/occ", User);
  ua.name = "A";
  ub.name = "B";
  await a.saveChanges();
  await assert.rejects(b.saveChanges(), (err) => err.name === "ConcurrencyException");
  assert.equal((await db.store.openSession().load("users/occ", User)).name, "A");

  // A new document stored with optimistic concurrency must not exist yet.
  const c = db.store.openSession();
  c.advanced.useOptimisticConcurrency = true;
  await c.store(new User("Dup"), "users/occ");
  await assert.rejects(c.saveChanges(), (err) => err.name === "ConcurrencyException");

  // An explicit change vector on store.
  const d = db.store.openSession();
  await d.store(new User("Explicit"), "users/occ", { changeVector: "A:1-bogusbogusbogusbogusbo" });
  await assert.rejects(d.saveChanges(), (err) => err.name === "ConcurrencyException");
});

test("a batch is atomic: one conflict aborts every command", async () => {
  const s = db.store.openSession();
  await s.store(new User("Atomic"), "users/atomic-new");
  await s.store(new User("X"), "users/1", { changeVector: "A:999-bogusbogusbogusbogusbo" });
  await assert.rejects(s.saveChanges(), (err) => err.name === "ConcurrencyException");
  assert.equal(await db.store.openSession().load("users/atomic-new"), null);
});

test("conditional load: 304 when unchanged, the new version otherwise", async () => {
  const session = db.store.openSession();
  const user = await session.load("users/2", User);
  const cv = session.advanced.getChangeVectorFor(user);
  const same = await db.store.openSession().advanced.conditionalLoad("users/2", cv, User);
  assert.equal(same.entity, null);
  assert.equal(same.changeVector, cv);

  const writer = db.store.openSession();
  (await writer.load("users/2", User)).name = "Mary 2";
  await writer.saveChanges();
  const changed = await db.store.openSession().advanced.conditionalLoad("users/2", cv, User);
  assert.equal(changed.entity.name, "Mary 2");
  assert.notEqual(changed.changeVector, cv);
});

test("the HTTP cache revalidates repeated loads", async () => {
  const first = db.store.openSession();
  assert.equal((await first.load("users/1", User)).name, "John");
  const second = db.store.openSession();
  assert.equal((await second.load("users/1", User)).name, "John");
});

test("lazy loads go through multi_get in one request", async () => {
  const session = db.store.openSession();
  const lazyUser = session.advanced.lazily.load("users/1", User);
  const lazyMissing = session.advanced.lazily.load("users/none", User);
  const lazyCompany = session.advanced.lazily.load("companies/1", Company);
  await session.advanced.eagerly.executeAllPendingLazyOperations();
  assert.equal(session.advanced.numberOfRequests, 1);
  assert.equal((await lazyUser.getValue()).name, "John");
  assert.equal(await lazyMissing.getValue(), null);
  assert.equal((await lazyCompany.getValue()).name, "Acme");
});

// Queries through the official client: the query builder's where/order/paging/projection/
// include/group-by calls, statistics, staleness (waitForNonStaleResults and its timeout),
// delete by query operations, index maintenance operations and waiting for indexing via /stats.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  DeleteByQueryOperation,
  DeleteIndexOperation,
  GetIndexesStatisticsOperation,
  GetIndexNamesOperation,
  GetStatisticsOperation,
  GroupByField,
  StartIndexingOperation,
  StopIndexingOperation,
} from "ravendb";
import { startServer, newDatabase } from "./server.mjs";

class Company {
  constructor(name) { this.name = name; }
}
class Employee {
  constructor(name, age, companyId, email) {
    this.name = name;
    this.age = age;
    this.companyId = companyId;
    if (email !== undefined) this.email = email;
  }
}
class Order {
  constructor(company, freight, lines) {
    this.company = company;
    this.freight = freight;
    this.lines = lines;
  }
}

let server;
let db;
before(async () => {
  server = await startServer();
  db = await newDatabase(server.url, "queries");
  const s = db.store.openSession();
  await s.store(new Company("Acme"), "companies/1");
  await s.store(new Company("Globex"), "companies/2");
  await s.store(new Employee("John", 31, "companies/1", "john@acme.com"), "employees/1");
  await s.store(new Employee("jane", 25, "companies/1"), "employees/2");
  await s.store(new Employee("Jim", 40, "companies/2", "jim@globex.com"), "employees/3");
  await s.store(new Employee("Ann", 22, "companies/2"), "employees/4");
  await s.store(new Order("companies/1", 5, [{ product: "p/1" }]), "orders/1");
  await s.store(new Order("companies/1", 7.5, [{ product: "p/2" }]), "orders/2");
  await s.store(new Order("companies/2", 2, []), "orders/3");
  await s.saveChanges();
});
after(async () => {
  await db?.dispose();
  await server?.stop();
});

const ids = (session, results) => results.map((r) => session.advanced.getDocumentId(r));

test("whereEquals, whereIn, whereBetween, whereStartsWith, whereExists", async () => {
  const s = db.store.openSession();
  const john = await s.query(Employee).whereEquals("name", "JOHN").waitForNonStaleResults().all();
  assert.deepEqual(ids(s, john), ["employees/1"]);
  assert.ok(john[0] instanceof Employee);

  const exact = await s.query(Employee).whereEquals("name", "JOHN", true).waitForNonStaleResults().all();
  assert.equal(exact.length, 0);

  const inList = await s.query(Employee).whereIn("name", ["jim", "Ann", "nobody"])
    .orderBy("name").waitForNonStaleResults().all();
  assert.deepEqual(ids(s, inList), ["employees/4", "employees/3"]);

  const between = await s.query(Employee).whereBetween("age", 25, 31)
    .orderBy("age", "Long").waitForNonStaleResults().all();
  assert.deepEqual(ids(s, between), ["employees/2", "employees/1"]);

  const starts = await s.query(Employee).whereStartsWith("name", "j")
    .orderBy("name").waitForNonStaleResults().all();
  assert.deepEqual(ids(s, starts), ["employees/2", "employees/3", "employees/1"]);

  const exists = await s.query(Employee).whereExists("email")
    .orderBy("name").waitForNonStaleResults().all();
  assert.deepEqual(ids(s, exists), ["employees/3", "employees/1"]);

  const combined = await s.query(Employee)
    .openSubclause().whereEquals("companyId", "companies/2").orElse().whereGreaterThan("age", 30).closeSubclause()
    .andAlso().not().whereEquals("name", "jim")
    .orderBy("name").waitForNonStaleResults().all();
  assert.deepEqual(ids(s, combined), ["employees/4", "employees/1"]);

  const byId = await s.query(Employee).whereIn("id", ["employees/3", "employees/9"]).all();
  assert.deepEqual(ids(s, byId), ["employees/3"]);
});

test("orderBy / orderByDescending, skip / take, statistics", async () => {
  const s = db.store.openSession();
  let stats;
  const page = await s.query(Employee)
    .statistics((st) => { stats = st; })
    .orderByDescending("age", "Long")
    .skip(1).take(2)
    .waitForNonStaleResults()
    .all();
  assert.deepEqual(ids(s, page), ["employees/1", "employees/2"]);
  assert.equal(stats.totalResults, 4);
  assert.equal(stats.isStale, false);
  assert.match(stats.indexName, /^Auto\/Employees\/By/);

  const first = await s.query(Employee).orderBy("name").first();
  assert.equal(first.name, "Ann");
  assert.equal(await s.query(Employee).whereGreaterThanOrEqual("age", 25).count(), 3);
  assert.equal(await s.query(Employee).whereEquals("name", "nobody").any(), false);
  const taken = await s.query(Employee).orderBy("age", "Long").take(1).all();
  assert.deepEqual(ids(s, taken), ["employees/4"]);
});

test("selectFields projections are not tracked; include avoids a request", async () => {
  const s = db.store.openSession();
  const rows = await s.query(Employee).whereEquals("companyId", "companies/1")
    .orderBy("name").selectFields(["name", "age"]).waitForNonStaleResults().all();
  assert.deepEqual(rows.map((r) => ({ name: r.name, age: r.age })),
                   [{ name: "jane", age: 25 }, { name: "John", age: 31 }]);
  assert.equal(s.advanced.isLoaded("employees/1"), false);
  assert.equal(s.advanced.isLoaded("employees/2"), false);

  const s2 = db.store.openSession();
  const withCompany = await s2.query(Employee).whereEquals("name", "jim")
    .include("companyId").waitForNonStaleResults().all();
  assert.deepEqual(ids(s2, withCompany), ["employees/3"]);
  const requests = s2.advanced.numberOfRequests;
  const company = await s2.load("companies/2", Company);
  assert.equal(company.name, "Globex");
  assert.equal(s2.advanced.numberOfRequests, requests);  // served from the included document
});

test("groupBy with count and sum", async () => {
  const s = db.store.openSession();
  // selectCount() and selectSum() each end the group-by builder: one query for each.
  const counts = await s.query({ collection: "Orders" })
    .groupBy("company").selectKey().selectCount()
    .waitForNonStaleResults().all();
  assert.deepEqual(Object.fromEntries(counts.map((r) => [r.company, r.count])),
                   { "companies/1": 2, "companies/2": 1 });
  let stats;
  const sums = await s.query({ collection: "Orders" })
    .groupBy("company").selectKey(null, "id").selectSum(new GroupByField("freight", "total"))
    .statistics((st) => { stats = st; })
    .orderByDescending("total", "Double")
    .waitForNonStaleResults().all();
  assert.deepEqual(sums.map((r) => [r.id, r.total]), [["companies/1", 12.5], ["companies/2", 2]]);
  assert.match(stats.indexName, /^Auto\/Orders\/By.*ReducedBycompany$/);
  assert.equal(s.advanced.isLoaded("companies/1"), false);  // projections, not entities
});

test("waitForNonStaleResults times out with TimeoutException while indexing is stopped", async () => {
  // Create the index first, so that it exists and is up to date.
  const s = db.store.openSession();
  await s.query(Employee).whereEquals("email", "x").waitForNonStaleResults().all();
  await db.store.maintenance.send(new StopIndexingOperation());
  try {
    const w = db.store.openSession();
    await w.store(new Employee("Late", 50, "companies/1", "late@acme.com"), "employees/5");
    await w.saveChanges();

    let stats;
    const stale = await db.store.openSession().query(Employee).whereEquals("email", "late@acme.com")
      .statistics((st) => { stats = st; }).all();
    assert.equal(stats.isStale, true);
    assert.equal(stale.length, 0);  // the index has not seen employees/5

    await assert.rejects(
      db.store.openSession().query(Employee).whereEquals("email", "late@acme.com")
        .waitForNonStaleResults(300).all(),
      (e) => e.name === "TimeoutException");
  } finally {
    await db.store.maintenance.send(new StartIndexingOperation());
  }
  const fresh = await db.store.openSession().query(Employee).whereEquals("email", "late@acme.com")
    .waitForNonStaleResults().all();
  assert.equal(fresh.length, 1);
});

// What test helpers' waitForIndexing(store) does: poll /stats until no index is stale.
async function waitForIndexing(store, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await store.maintenance.send(new GetStatisticsOperation());
    if (stats.indexes.every((i) => !i.isStale || i.state === "Disabled")) return stats;
    if (stats.indexes.some((i) => i.state === "Error")) throw new Error("an index is in the Error state");
    if (Date.now() > deadline) throw new Error("indexes still stale: " + JSON.stringify(stats.indexes));
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("waitForIndexing via /stats, index statistics and names", async () => {
  const w = db.store.openSession();
  await w.store(new Employee("Zed", 60, "companies/2"), "employees/6");
  await w.saveChanges();
  const stats = await waitForIndexing(db.store);
  assert.ok(stats.indexes.length >= 1);
  assert.equal(stats.countOfIndexes, stats.indexes.length);

  // After waiting, a query without waitForNonStaleResults sees the new document.
  let qstats;
  const zed = await db.store.openSession().query(Employee).whereEquals("name", "zed")
    .statistics((st) => { qstats = st; }).all();
  assert.equal(zed.length, 1);
  assert.equal(qstats.isStale, false);

  const names = await db.store.maintenance.send(new GetIndexNamesOperation(0, 50));
  assert.ok(names.some((n) => n.startsWith("Auto/Employees/By")), JSON.stringify(names));
  assert.ok(names.some((n) => n.startsWith("Auto/Orders/") && n.includes("ReducedBy")), JSON.stringify(names));

  const indexStats = await db.store.maintenance.send(new GetIndexesStatisticsOperation());
  const employees = indexStats.find((i) => i.name.startsWith("Auto/Employees/By"));
  assert.ok(employees, JSON.stringify(indexStats.map((i) => i.name)));
  assert.equal(employees.isStale, false);
  assert.ok(employees.entriesCount >= 6);
  assert.equal(typeof employees.collections, "object");
});

test("DeleteIndexOperation removes an auto index; the next query recreates it", async () => {
  const names = await db.store.maintenance.send(new GetIndexNamesOperation(0, 50));
  const orders = names.find((n) => n.startsWith("Auto/Orders/"));
  assert.ok(orders);
  await db.store.maintenance.send(new DeleteIndexOperation(orders));
  const after = await db.store.maintenance.send(new GetIndexNamesOperation(0, 50));
  assert.ok(!after.includes(orders));

  const again = await db.store.openSession().query({ collection: "Orders" })
    .groupBy("company").selectKey().selectCount().waitForNonStaleResults().all();
  assert.equal(again.length, 2);
});

test("DeleteByQueryOperation and waitForCompletion", async () => {
  const w = db.store.openSession();
  for (let i = 0; i < 5; i++) await w.store({ kind: "temp", n: i, "@metadata": { "@collection": "Temps" } }, `temps/${i}`);
  await w.saveChanges();

  const op = await db.store.operations.send(
    new DeleteByQueryOperation({ query: "from Temps where n >= $min", queryParameters: { min: 2 } }));
  await op.waitForCompletion();

  const s = db.store.openSession();
  const left = await s.query({ collection: "Temps" }).orderBy("n", "Long").waitForNonStaleResults().all();
  assert.deepEqual(left.map((d) => d.n), [0, 1]);

  const all = await db.store.operations.send(new DeleteByQueryOperation("from Temps"));
  await all.waitForCompletion();
  assert.equal(await db.store.openSession().query({ collection: "Temps" }).count(), 0);
});

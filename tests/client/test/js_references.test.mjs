// JavaScript indexes, the rest of issue 6 through the official client: reference documents of an
// output collection (PatternForOutputReduceToCollectionReferences), AdditionalSources, index
// errors and the errored state across a server restart, and what deleting an output index leaves.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import {
  CreateDatabaseOperation,
  DeleteIndexOperation,
  DocumentStore,
  GetIndexErrorsOperation,
  GetIndexOperation,
  GetIndexStatisticsOperation,
  IndexDefinition,
  PutIndexesOperation,
  ResetIndexOperation,
} from "ravendb";
import { startServer, newDatabase, tempDir } from "./server.mjs";

// RavenDB's Orders_ProfitByProductAndOrderedAt (RavenDB_12932) in JavaScript.
function profits() {
  const d = new IndexDefinition();
  d.name = "Profits/ByProductAndDay";
  d.maps = new Set([
    "map('Orders', o => o.Lines.map(l => ({ Product: l.Product, OrderedAt: o.OrderedAt, Profit: l.Price })))",
  ]);
  d.reduce = `groupBy(x => ({ OrderedAt: x.OrderedAt, Product: x.Product }))
    .aggregate(g => ({ Product: g.key.Product, OrderedAt: g.key.OrderedAt,
                       Profit: g.values.reduce((a, v) => a + v.Profit, 0) }))`;
  d.outputReduceToCollection = "Profits";
  d.patternForOutputReduceToCollectionReferences = "reports/daily/{OrderedAt:yyyy-MM-dd}";
  return d;
}

const order = (date, products) => ({
  OrderedAt: `${date}T00:00:00.0000000`,
  Lines: products.map((p) => ({ Product: p, Price: 2 })),
  "@metadata": { "@collection": "Orders" },
});

async function waitForIndexing(store, name) {
  const s = store.openSession();
  await s.advanced.rawQuery(`from index '${name}'`).waitForNonStaleResults().all();
}

test("reference documents list the output documents of each pattern id", async () => {
  const server = await startServer();
  const db = await newDatabase(server.url, "jsrefs");
  try {
    const s = db.store.openSession();
    await s.store(order("2019-10-26", ["products/1", "products/2"]), "orders/1");
    await s.store(order("2019-10-25", ["products/2"]), "orders/2");
    await s.store(order("2019-10-24", ["products/1"]), "orders/3");
    await s.saveChanges();
    await db.store.maintenance.send(new PutIndexesOperation(profits()));
    await waitForIndexing(db.store, "Profits/ByProductAndDay");

    const read = db.store.openSession();
    const day26 = await read.include("ReduceOutputs").load("reports/daily/2019-10-26");
    assert.equal(day26.ReduceOutputs.length, 2);
    const requests = read.advanced.numberOfRequests;
    for (const id of day26.ReduceOutputs) {
      const output = await read.load(id);
      assert.equal(output.OrderedAt, "2019-10-26T00:00:00.0000000");
      assert.equal(output.Profit, 2);
    }
    assert.equal(read.advanced.numberOfRequests, requests, "outputs came as includes");
    const metadata = read.advanced.getMetadataFor(day26);
    assert.equal(metadata["@collection"], "Profits/References");
    assert.equal(metadata["@flags"], "Artificial, FromIndex");
    assert.equal((await read.load("reports/daily/2019-10-24")).ReduceOutputs.length, 1);

    // The definition round-trips the pattern.
    const definition = await db.store.maintenance.send(new GetIndexOperation("Profits/ByProductAndDay"));
    assert.equal(definition.patternForOutputReduceToCollectionReferences, "reports/daily/{OrderedAt:yyyy-MM-dd}");

    // orders/3 moves to the 25th, then everything goes.
    const u = db.store.openSession();
    await u.store(order("2019-10-25", ["products/1"]), "orders/3");
    await u.saveChanges();
    await waitForIndexing(db.store, "Profits/ByProductAndDay");
    const after = db.store.openSession();
    assert.equal(await after.load("reports/daily/2019-10-24"), null);
    assert.equal((await after.load("reports/daily/2019-10-25")).ReduceOutputs.length, 2);
    const d = db.store.openSession();
    for (const id of ["orders/1", "orders/2", "orders/3"]) await d.delete(id);
    await d.saveChanges();
    await waitForIndexing(db.store, "Profits/ByProductAndDay");
    const empty = db.store.openSession();
    const left = await empty.advanced.rawQuery("from 'Profits/References'").all();
    assert.equal(left.length, 0);

    // Deleting the index leaves its output documents (RavenDB does too); a new index cannot
    // output into that collection while it holds documents.
    const s2 = db.store.openSession();
    await s2.store(order("2019-10-26", ["products/1"]), "orders/4");
    await s2.saveChanges();
    await waitForIndexing(db.store, "Profits/ByProductAndDay");
    await db.store.maintenance.send(new DeleteIndexOperation("Profits/ByProductAndDay"));
    const kept = db.store.openSession();
    assert.equal((await kept.advanced.rawQuery("from Profits").all()).length, 1);
    assert.equal((await kept.load("reports/daily/2019-10-26")).ReduceOutputs.length, 1);
    const other = profits();
    other.name = "Profits/Again";
    await assert.rejects(db.store.maintenance.send(new PutIndexesOperation(other)),
                         /This collection currently has 1 document \. All documents in Collection 'Profits' must be deleted first/);
  } finally {
    await db.dispose();
    await server.stop();
  }
});

test("AdditionalSources define functions the maps and the reduce call", async () => {
  const server = await startServer();
  const db = await newDatabase(server.url, "jsrefs");
  try {
    const s = db.store.openSession();
    await s.store({ Age: 36, "@metadata": { "@collection": "Users" } }, "users/1");
    await s.store({ Age: 41, "@metadata": { "@collection": "Users" } }, "users/2");
    await s.store({ Age: 47, "@metadata": { "@collection": "Users" } }, "users/3");
    await s.saveChanges();
    const d = new IndexDefinition();
    d.name = "Users/ByDecade";
    d.maps = new Set(["map('Users', u => ({ Decade: Decade(u.Age), Count: 1 }))"]);
    d.reduce = "groupBy(x => x.Decade).aggregate(g => ({ Decade: g.key, Count: Total(g.values) }))";
    d.additionalSources = {
      Math: "function Decade(n) { return Math.floor(n / 10) * 10; }",
      Sums: "function Total(values) { return values.reduce((a, v) => a + v.Count, 0); }",
    };
    await db.store.maintenance.send(new PutIndexesOperation(d));
    const results = await db.store.openSession().advanced
      .rawQuery("from index 'Users/ByDecade' order by Decade").waitForNonStaleResults().all();
    assert.deepEqual(results.map((r) => [r.Decade, r.Count]), [[30, 1], [40, 2]]);
    const back = await db.store.maintenance.send(new GetIndexOperation("Users/ByDecade"));
    assert.ok(Object.values(back.additionalSources).some((src) => src.includes("function Decade")));

    const bad = new IndexDefinition();
    bad.name = "Users/Bad";
    bad.maps = new Set(["map('Users', u => ({ A: Helper(u) }))"]);
    bad.additionalSources = { Helpers: "function Helper(u) { return u.Age +; }" };
    await assert.rejects(db.store.maintenance.send(new PutIndexesOperation(bad)), (e) => {
      assert.equal(e.name, "IndexCompilationException");
      assert.match(e.message, /AdditionalSources\['Helpers'\]/);
      return true;
    });
  } finally {
    await db.dispose();
    await server.stop();
  }
});

test("index errors and the errored state survive a restart; querying an errored index fails", async () => {
  const dir = tempDir();
  const name = "errored";
  const open = async (server) => {
    const store = new DocumentStore(server.url, name);
    store.initialize();
    return store;
  };
  try {
    let server = await startServer({ dataDir: dir });
    let store = await open(server);
    try {
      await store.maintenance.server.send(new CreateDatabaseOperation({ databaseName: name }));
      const s = store.openSession();
      for (let i = 0; i < 8; i++) await s.store({ N: i, "@metadata": { "@collection": "Items" } }, `items/${i}`);
      await s.saveChanges();
      const d = new IndexDefinition();
      d.name = "Items/Broken";
      d.maps = new Set(["map('Items', i => ({ V: i.Missing.Value }))"]);
      await store.maintenance.send(new PutIndexesOperation(d));
      const ok = new IndexDefinition();
      ok.name = "Items/Fine";
      ok.maps = new Set(["map('Items', i => { if (i.N === 5) throw new Error('five'); return { N: i.N }; })"]);
      await store.maintenance.send(new PutIndexesOperation(ok));
      await waitForIndexing(store, "Items/Fine");
      let stats;
      for (let i = 0; i < 200; i++) {
        stats = await store.maintenance.send(new GetIndexStatisticsOperation("Items/Broken"));
        if (stats.state === "Error") break;
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal(stats.state, "Error");
      assert.equal(stats.mapErrors, 8);
    } finally {
      store.dispose();
      await server.stop();
    }

    server = await startServer({ dataDir: dir });
    store = await open(server);
    try {
      const stats = await store.maintenance.send(new GetIndexStatisticsOperation("Items/Broken"));
      assert.equal(stats.state, "Error");
      assert.equal(stats.mapAttempts, 8);
      assert.equal(stats.mapErrors, 8);
      const fine = await store.maintenance.send(new GetIndexStatisticsOperation("Items/Fine"));
      assert.equal(fine.state, "Normal");
      assert.equal(fine.mapErrors, 1);
      const [errors] = await store.maintenance.send(new GetIndexErrorsOperation(["Items/Fine"]));
      assert.equal(errors.errors.length, 1);
      assert.equal(errors.errors[0].document, "items/5");
      assert.match(errors.errors[0].error, /five/);
      const [broken] = await store.maintenance.send(new GetIndexErrorsOperation(["Items/Broken"]));
      assert.equal(broken.errors.filter((e) => e.action === "Map").length, 8);

      await assert.rejects(store.openSession().advanced.rawQuery("from index 'Items/Broken'").all(), (e) => {
        assert.match(e.message, /Index 'Items\/Broken' is marked as errored\. Index Items\/Broken is invalid, out of 8 map attempts, 8 has failed\. Error rate of 100\.00% exceeds allowed 15% error rate/);
        return true;
      });
      // An errored index is not indexed any more; a reset rebuilds it (from the 9 items now),
      // and the same code fails the same way again.
      const s = store.openSession();
      await s.store({ N: 8, "@metadata": { "@collection": "Items" } }, "items/8");
      await s.saveChanges();
      await waitForIndexing(store, "Items/Fine");
      assert.equal((await store.maintenance.send(new GetIndexStatisticsOperation("Items/Broken"))).mapAttempts, 8);
      await store.maintenance.send(new ResetIndexOperation("Items/Broken"));
      let reset;
      for (let i = 0; i < 200; i++) {
        reset = await store.maintenance.send(new GetIndexStatisticsOperation("Items/Broken"));
        if (reset.state === "Error") break;
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal(reset.state, "Error");
      assert.equal(reset.mapAttempts, 9);
    } finally {
      store.dispose();
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

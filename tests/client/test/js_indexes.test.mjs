// JavaScript indexes through the official client (issue 6, phase B): definitions with
// AbstractJavaScriptIndexCreationTask / PutIndexesOperation, map and map/reduce indexes with
// fan-out and load(), errors, and the Reddit front page (seed 003): the 15 most recent posts
// across a user's communities with at most 5 per community, posts included.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  AbstractJavaScriptIndexCreationTask,
  DeleteIndexOperation,
  GetIndexErrorsOperation,
  GetIndexOperation,
  GetIndexStatisticsOperation,
  IndexDefinition,
  PutIndexesOperation,
} from "ravendb";
import { startServer, newDatabase } from "./server.mjs";

// The 5 most recent posts of each community: the map emits one entry per post, the reduce
// keeps the community's 5 newest and returns them as 5 results (aggregation plus fan-out).
class Posts_RecentByCommunity extends AbstractJavaScriptIndexCreationTask {
  constructor() {
    super();
    // `id` is the index's id() function, evaluated by the server.
    // eslint-disable-next-line no-undef
    this.map("Posts", (p) => ({ Community: p.community, Post: id(p), Date: p.date }));
    this.reduce((results) =>
      results
        .groupBy((x) => x.Community)
        .aggregate((g) =>
          g.values
            .sort((a, b) => (a.Date < b.Date ? 1 : a.Date > b.Date ? -1 : 0))
            .slice(0, 5)
            .map((v) => ({ Community: g.key, Post: v.Post, Date: v.Date }))));
  }
}

const COMMUNITIES = 50;
const POSTS = 1050;
const base = Date.UTC(2024, 0, 1);
const isoDate = (minutes) => new Date(base + minutes * 60000).toISOString().replace("Z", "0000Z");

let server;
let db;
const posts = new Map(); // id -> { community, date }

function expected(subscribed) {
  const perCommunity = new Map();
  for (const [id, p] of posts) {
    if (!subscribed.includes(p.community)) continue;
    if (!perCommunity.has(p.community)) perCommunity.set(p.community, []);
    perCommunity.get(p.community).push({ id, date: p.date });
  }
  const candidates = [];
  for (const list of perCommunity.values()) {
    list.sort((a, b) => (a.date < b.date ? 1 : -1));
    candidates.push(...list.slice(0, 5));
  }
  candidates.sort((a, b) => (a.date < b.date ? 1 : -1));
  return candidates.slice(0, 15).map((c) => c.id);
}

before(async () => {
  server = await startServer();
  db = await newDatabase(server.url, "jsindexes");
  // Deterministic shuffled dates so that recency does not follow ids.
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let start = 0; start < POSTS; start += 350) {
    const s = db.store.openSession();
    for (let i = start; i < Math.min(POSTS, start + 350); i++) {
      const community = `communities/${i % COMMUNITIES}`;
      const date = isoDate(Math.floor(rand() * 100000));
      posts.set(`posts/${i}`, { community, date });
      await s.store({ community, date, title: `post ${i}`, "@metadata": { "@collection": "Posts" } },
                    `posts/${i}`);
    }
    await s.saveChanges();
  }
  await new Posts_RecentByCommunity().execute(db.store);
});
after(async () => {
  await db?.dispose();
  await server?.stop();
});

test("Reddit front page: 15 most recent posts across subscribed communities, max 5 each, included", async () => {
  const subscribed = ["communities/3", "communities/7", "communities/11", "communities/19", "communities/42"];
  const run = async () => {
    const s = db.store.openSession();
    const results = await s.advanced
      .rawQuery("from index 'Posts/RecentByCommunity' where Community in ($c) order by Date desc include Post limit 15")
      .addParameter("c", subscribed)
      .waitForNonStaleResults()
      .all();
    const before = s.advanced.numberOfRequests;
    const loaded = [];
    for (const r of results) {
      const post = await s.load(r.Post);
      assert.ok(post, `included post ${r.Post}`);
      assert.equal(post.community, r.Community);
      loaded.push(r.Post);
    }
    assert.equal(s.advanced.numberOfRequests, before, "posts came as includes");
    const perCommunity = {};
    for (const r of results) perCommunity[r.Community] = (perCommunity[r.Community] ?? 0) + 1;
    for (const n of Object.values(perCommunity)) assert.ok(n <= 5);
    return loaded;
  };
  assert.deepEqual(await run(), expected(subscribed));

  // New posts arrive: three in communities/7 and one in communities/42, newer than everything.
  const s = db.store.openSession();
  for (const [n, community] of [[0, "communities/7"], [1, "communities/7"], [2, "communities/7"], [3, "communities/42"]]) {
    const id = `posts/new-${n}`;
    const date = isoDate(200000 + n);
    posts.set(id, { community, date });
    await s.store({ community, date, title: `new ${n}`, "@metadata": { "@collection": "Posts" } }, id);
  }
  // and an old post of communities/3 is deleted.
  const gone = [...posts.entries()].find(([, p]) => p.community === "communities/3")[0];
  posts.delete(gone);
  await s.delete(gone);
  await s.saveChanges();
  const after = await run();
  assert.deepEqual(after, expected(subscribed));
  assert.equal(after[0], "posts/new-3");
});

test("select with load from a map/reduce index", async () => {
  const s = db.store.openSession();
  const results = await s.advanced
    .rawQuery("from index 'Posts/RecentByCommunity' as r where r.Community = 'communities/5' order by r.Date desc load r.Post as p select p.title as Title, r.Date as Date")
    .waitForNonStaleResults()
    .all();
  assert.equal(results.length, 5);
  const top = expected(["communities/5"]).slice(0, 5);
  assert.deepEqual(results.map((r) => r.Title), top.map((id) => `post ${id.split("/")[1]}`));
});

test("definition round trip, map index with fan-out and load, errors, delete", async () => {
  const definition = await db.store.maintenance.send(new GetIndexOperation("Posts/RecentByCommunity"));
  assert.equal(definition.type, "JavaScriptMapReduce");
  assert.equal(definition.maps.size ?? definition.maps.length, 1);
  assert.match(definition.reduce, /^groupBy\(/);

  const s = db.store.openSession();
  await s.store({ name: "Acme", "@metadata": { "@collection": "Companies" } }, "companies/1");
  await s.store({ company: "companies/1", lines: [{ p: "a" }, { p: "b" }], "@metadata": { "@collection": "Orders" } }, "orders/1");
  await s.store({ company: "companies/1", "@metadata": { "@collection": "Orders" } }, "orders/2"); // lines missing: map error
  await s.saveChanges();
  const map = new IndexDefinition();
  map.name = "Orders/ByProductAndCompany";
  map.maps = new Set([
    "map('Orders', o => o.lines.map(l => ({ Product: l.p, CompanyName: load(o.company, 'Companies').name })))",
  ]);
  await db.store.maintenance.send(new PutIndexesOperation(map));

  const query = async () => {
    const q = db.store.openSession();
    return q.advanced
      .rawQuery("from index 'Orders/ByProductAndCompany' where CompanyName = $n")
      .addParameter("n", "Acme")
      .waitForNonStaleResults()
      .all();
  };
  let results = await query();
  assert.equal(results.length, 1, "fan-out: the document once");
  assert.equal(results[0].company, "companies/1");

  const errors = await db.store.maintenance.send(new GetIndexErrorsOperation(["Orders/ByProductAndCompany"]));
  assert.equal(errors[0].errors.length, 1);
  assert.equal(errors[0].errors[0].document, "orders/2");
  assert.match(errors[0].errors[0].error, /TypeError/);
  const stats = await db.store.maintenance.send(new GetIndexStatisticsOperation("Orders/ByProductAndCompany"));
  assert.equal(stats.mapErrors, 1);

  // The loaded company changes: the order is re-indexed.
  const u = db.store.openSession();
  await u.store({ name: "Acme Corp", "@metadata": { "@collection": "Companies" } }, "companies/1");
  await u.saveChanges();
  results = await query();
  assert.equal(results.length, 0);

  await db.store.maintenance.send(new DeleteIndexOperation("Orders/ByProductAndCompany"));
  assert.equal(await db.store.maintenance.send(new GetIndexOperation("Orders/ByProductAndCompany")) ?? null, null);
});

test("a syntax error is an IndexCompilationException and creates nothing", async () => {
  const bad = new IndexDefinition();
  bad.name = "Bad/Syntax";
  bad.maps = new Set(["map('Posts', p => ({ A: p.a )"]);
  await assert.rejects(db.store.maintenance.send(new PutIndexesOperation(bad)), (e) => {
    assert.equal(e.name, "IndexCompilationException");
    assert.match(e.message, /Maps\[0\]/);
    return true;
  });
  assert.equal(await db.store.maintenance.send(new GetIndexOperation("Bad/Syntax")) ?? null, null);

  const output = new IndexDefinition();
  output.name = "Out/Put";
  output.maps = new Set(["map('Posts', p => ({ C: p.community, N: 1 }))"]);
  output.reduce = "groupBy(x => x.C).aggregate(g => ({ C: g.key, N: g.values.length }))";
  output.outputReduceToCollection = "PostCounts";
  await assert.rejects(db.store.maintenance.send(new PutIndexesOperation(output)), /OutputReduceToCollection/);
});

// Id generation: client-side HiLo across two stores, server-side ids ("users/", "users|",
// object literals without a collection).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { DocumentStore } from "ravendb";
import { startServer, newDatabase } from "./server.mjs";

class User {
  constructor(name) { this.name = name; }
}
class Order {
  constructor(total) { this.total = total; }
}

let server;
let db;
before(async () => {
  server = await startServer({ inMemory: true });
  db = await newDatabase(server.url, "ids");
});
after(async () => {
  await db?.dispose();
  await server?.stop();
});

async function storeMany(store, count) {
  const ids = [];
  const session = store.openSession();
  for (let i = 0; i < count; i++) {
    const u = new User(`u${i}`);
    await session.store(u);
    ids.push(session.advanced.getDocumentId(u));
  }
  await session.saveChanges();
  return ids;
}

test("HiLo ids from two stores never collide and continue after a range is used up", async () => {
  const a = new DocumentStore(server.url, db.name);
  const b = new DocumentStore(server.url, db.name);
  a.initialize();
  b.initialize();
  try {
    const idsA = await storeMany(a, 40);  // more than the first range of 32
    const idsB = await storeMany(b, 10);
    const idsA2 = await storeMany(a, 5);
    const all = [...idsA, ...idsB, ...idsA2];
    assert.equal(new Set(all).size, all.length, "duplicate ids: " + all.join(","));
    for (const id of all) assert.match(id, /^users\/\d+-A$/);
    const n = (id) => Number(/users\/(\d+)-A/.exec(id)[1]);
    assert.deepEqual(idsA.slice(0, 3).map(n), [1, 2, 3]);
    // B's range starts after everything A reserved.
    assert.ok(n(idsB[0]) > 32, `B started at ${idsB[0]}`);
    const loaded = await a.openSession().load(all, User);
    assert.equal(Object.values(loaded).filter((u) => u !== null).length, all.length);
  } finally {
    a.dispose();  // returns unused ranges (hilo/return)
    b.dispose();
  }
  // A new store continues after the ranges handed out before.
  const c = new DocumentStore(server.url, db.name);
  c.initialize();
  try {
    const [id] = await storeMany(c, 1);
    const session = c.openSession();
    const existing = await session.advanced.loadStartingWith("users/", { pageSize: 1000 });
    const others = existing.map((u) => session.advanced.getDocumentId(u)).filter((x) => x !== id);
    assert.ok(!others.includes(id));
  } finally {
    c.dispose();
  }
});

test("a client-written Raven/Hilo document moves the next range", async () => {
  const setup = db.store.openSession();
  await setup.store({ Max: 1000, "@metadata": { "@collection": "@hilo" } }, "Raven/Hilo/orders");
  await setup.saveChanges();
  const store = new DocumentStore(server.url, db.name);
  store.initialize();
  try {
    const session = store.openSession();
    const order = new Order(1);
    await session.store(order);
    assert.equal(session.advanced.getDocumentId(order), "orders/1001-A");
    await session.saveChanges();
  } finally {
    store.dispose();
  }
});

test("server-side ids: 'users/' gets an etag-numbered id, 'users|' an identity", async () => {
  const session = db.store.openSession();
  const a = new User("slash");
  const b = new User("pipe1");
  const c = new User("pipe2");
  await session.store(a, "users/");
  await session.store(b, "people|");
  await session.store(c, "people|");
  await session.saveChanges();
  const ida = session.advanced.getDocumentId(a);
  assert.match(ida, /^users\/\d{19}-A$/);
  assert.equal(session.advanced.getDocumentId(b), "people/1");
  assert.equal(session.advanced.getDocumentId(c), "people/2");
  const check = db.store.openSession();
  assert.equal((await check.load(ida, User)).name, "slash");
  assert.equal((await check.load("people/2", User)).name, "pipe2");
});

test("an object literal without a collection gets a GUID id", async () => {
  const session = db.store.openSession();
  const thing = { colour: "red" };
  await session.store(thing);
  await session.saveChanges();
  const id = session.advanced.getDocumentId(thing);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  const loaded = await db.store.openSession().load(id);
  assert.equal(loaded.colour, "red");
});

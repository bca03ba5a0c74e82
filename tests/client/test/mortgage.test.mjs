// Mortgage event sourcing (seed 003, "Event sourcing – Part III – time sensitive data") through
// the official client: business logic in a map/reduce index that outputs to a collection
// (OutputReduceToCollection), and a second index over that output collection (chaining).
//   Mortgages         the approval (principal, APR)
//   ExpectedPayments  what is due each month (interest and principal)
//   Payments          what was paid (AppliedTo: the month a late payment is for)
//   MortgageMonthlyStatus (index) -> MonthlyMortgageStatuses (artificial documents)
//   MortgageStatus (index over Mortgages + MonthlyMortgageStatuses) -> Current / PastDue
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { GetIndexOperation, IndexDefinition, PutIndexesOperation } from "ravendb";
import { startServer, newDatabase } from "./server.mjs";

let server;
let db;

// Payments go to the month they are applied to; within a month money pays interest first, then
// principal (the partial-payment allocation of the post).
const monthly = new IndexDefinition();
monthly.name = "MortgageMonthlyStatus";
monthly.maps = new Set([
  `map('ExpectedPayments', e => ({
     Mortgage: e.Mortgage, Month: e.DueDate.substring(0, 7),
     InterestDue: e.Interest, PrincipalDue: e.Principal, Paid: 0, LatePayments: 0 }))`,
  `map('Payments', p => {
     const month = p.AppliedTo || p.Date.substring(0, 7);
     return { Mortgage: p.Mortgage, Month: month, InterestDue: 0, PrincipalDue: 0,
              Paid: p.Amount, LatePayments: p.Date.substring(0, 7) > month ? 1 : 0 };
   })`,
]);
monthly.reduce = `groupBy(x => ({ Mortgage: x.Mortgage, Month: x.Month })).aggregate(g => {
  const sum = f => g.values.reduce((a, v) => a + v[f], 0);
  const interestDue = sum('InterestDue'), principalDue = sum('PrincipalDue'), paid = sum('Paid');
  const interestPaid = Math.min(paid, interestDue);
  const principalPaid = Math.min(paid - interestPaid, principalDue);
  const due = interestDue + principalDue;
  return {
    Mortgage: g.key.Mortgage, Month: g.key.Month,
    Due: due, Paid: paid, InterestPaid: interestPaid, PrincipalPaid: principalPaid,
    Missing: Math.max(0, due - paid), LatePayments: sum('LatePayments'),
    Status: paid >= due ? 'Paid' : (paid > 0 ? 'Partial' : 'Unpaid'),
  };
})`;
monthly.outputReduceToCollection = "MonthlyMortgageStatuses";

// The overall status: the approval plus every monthly status (the first index's output).
const overall = new IndexDefinition();
overall.name = "MortgageStatus";
overall.maps = new Set([
  `map('Mortgages', m => ({ Mortgage: id(m), Approved: m.Principal, Due: 0, Paid: 0,
                            PrincipalPaid: 0, Months: 0, PastDueMonths: 0 }))`,
  `map('MonthlyMortgageStatuses', s => ({ Mortgage: s.Mortgage, Approved: 0, Due: s.Due,
     Paid: s.Paid, PrincipalPaid: s.PrincipalPaid, Months: 1,
     PastDueMonths: s.Status === 'Paid' ? 0 : 1 }))`,
]);
overall.reduce = `groupBy(x => x.Mortgage).aggregate(g => {
  const sum = f => g.values.reduce((a, v) => a + v[f], 0);
  const pastDue = sum('PastDueMonths');
  return {
    Mortgage: g.key, Approved: sum('Approved'), Months: sum('Months'),
    Due: sum('Due'), Paid: sum('Paid'), Balance: sum('Approved') - sum('PrincipalPaid'),
    AmountPastDue: Math.max(0, sum('Due') - sum('Paid')), PastDueMonths: pastDue,
    Status: pastDue > 0 ? 'PastDue' : 'Current',
  };
})`;

async function store(docs) {
  const s = db.store.openSession();
  for (const [id, collection, body] of docs) {
    await s.store({ ...body, "@metadata": { "@collection": collection } }, id);
  }
  await s.saveChanges();
}

async function status() {
  const s = db.store.openSession();
  const r = await s.advanced
    .rawQuery("from index 'MortgageStatus' where Mortgage = $m")
    .addParameter("m", "mortgages/1")
    .waitForNonStaleResults()
    .all();
  assert.equal(r.length, 1);
  return r[0];
}

async function months() {
  const s = db.store.openSession();
  const r = await s.advanced
    .rawQuery("from index 'MortgageMonthlyStatus' where Mortgage = $m order by Month")
    .addParameter("m", "mortgages/1")
    .waitForNonStaleResults()
    .all();
  return Object.fromEntries(r.map((m) => [m.Month, m]));
}

before(async () => {
  server = await startServer();
  db = await newDatabase(server.url, "mortgage");
  await db.store.maintenance.send(new PutIndexesOperation(monthly, overall));
  // Approval, then the expected payments: in March another installment was withdrawn, so more
  // is due from March on.
  await store([
    ["mortgages/1", "Mortgages", { Borrower: "Jane", Principal: 100000, APR: 6, ApprovedAt: "2024-01-10" }],
    ["expected/1-2024-02", "ExpectedPayments", { Mortgage: "mortgages/1", DueDate: "2024-02-01", Interest: 500, Principal: 1000 }],
    ["expected/1-2024-03", "ExpectedPayments", { Mortgage: "mortgages/1", DueDate: "2024-03-01", Interest: 600, Principal: 1200 }],
  ]);
});
after(async () => {
  await db?.dispose();
  await server?.stop();
});

test("approval and expected payments: both months unpaid, the mortgage past due", async () => {
  const m = await months();
  assert.deepEqual(Object.keys(m), ["2024-02", "2024-03"]);
  assert.equal(m["2024-02"].Status, "Unpaid");
  assert.equal(m["2024-03"].Due, 1800);
  const st = await status();
  assert.equal(st.Status, "PastDue");
  assert.equal(st.Approved, 100000);
  assert.equal(st.AmountPastDue, 3300);
  assert.equal(st.PastDueMonths, 2);
});

test("payments on the old amount: March is partial (interest first), the mortgage past due", async () => {
  await store([
    ["payments/1", "Payments", { Mortgage: "mortgages/1", Date: "2024-02-01", Amount: 1500 }],
    ["payments/2", "Payments", { Mortgage: "mortgages/1", Date: "2024-03-02", Amount: 1500 }],
  ]);
  const m = await months();
  assert.equal(m["2024-02"].Status, "Paid");
  assert.equal(m["2024-03"].Status, "Partial");
  assert.equal(m["2024-03"].InterestPaid, 600);
  assert.equal(m["2024-03"].PrincipalPaid, 900);
  assert.equal(m["2024-03"].Missing, 300);

  // The monthly results are artificial documents of the output collection.
  const s = db.store.openSession();
  const docs = await s.query({ collection: "MonthlyMortgageStatuses" }).waitForNonStaleResults().all();
  assert.equal(docs.length, 2);
  for (const d of docs) {
    const meta = s.advanced.getMetadataFor(d);
    assert.match(meta["@flags"], /Artificial/);
    assert.match(meta["@flags"], /FromIndex/);
    assert.match(meta["@id"], /^MonthlyMortgageStatuses\/\d+$/);
  }

  const st = await status();
  assert.equal(st.Status, "PastDue");
  assert.equal(st.AmountPastDue, 300);
  assert.equal(st.PastDueMonths, 1);
  assert.equal(st.Balance, 100000 - 1000 - 900);
});

test("a late payment for March clears PastDue", async () => {
  await store([
    ["payments/3", "Payments", { Mortgage: "mortgages/1", Date: "2024-04-05", Amount: 300, AppliedTo: "2024-03" }],
  ]);
  const m = await months();
  assert.equal(m["2024-03"].Status, "Paid");
  assert.equal(m["2024-03"].LatePayments, 1);
  const st = await status();
  assert.equal(st.Status, "Current");
  assert.equal(st.AmountPastDue, 0);
  assert.equal(st.Balance, 100000 - 1000 - 1200);
});

test("deleting the late payment makes it past due again; the definition reports its output", async () => {
  const s = db.store.openSession();
  await s.delete("payments/3");
  await s.saveChanges();
  const st = await status();
  assert.equal(st.Status, "PastDue");
  assert.equal(st.AmountPastDue, 300);
  const d = await db.store.maintenance.send(new GetIndexOperation("MortgageMonthlyStatus"));
  assert.equal(d.outputReduceToCollection, "MonthlyMortgageStatuses");
});

#include "scenarios.h"

#include <random>

namespace rookery::crash {
namespace {

#define TRY(expr) ROOKERY_RETURN_IF_ERROR(expr)

std::string Value(uint64_t n, size_t size) {
  std::string v(size, '\0');
  std::mt19937_64 rng(n);
  for (auto& c : v) c = static_cast<char>('a' + rng() % 26);
  return v;
}

std::string Key(int i) {
  return "key" + std::to_string(1000 + i);
}

Status SmallCommits(Workload& w) {
  TRY(w.Open());
  for (int t = 0; t < 6; ++t) {
    TRY(w.Begin());
    TRY(w.Put("docs", Key(t), Value(t, 100)));
    TRY(w.Commit());
  }
  return Status::Ok();
}

Status MultiTreeTransactions(Workload& w) {
  TRY(w.Open());
  for (int t = 0; t < 5; ++t) {
    TRY(w.Begin());
    for (int i = 0; i < 20; ++i) {
      TRY(w.Put("users", Key(t * 20 + i), Value(i, 80)));
      TRY(w.Put("orders", Key(t * 20 + i), Value(i + 7, 120)));
    }
    TRY(w.Put("meta", "last", std::to_string(t)));
    TRY(w.Commit());
  }
  return Status::Ok();
}

Status OverflowValues(Workload& w) {
  TRY(w.Open());
  for (int t = 0; t < 5; ++t) {
    TRY(w.Begin());
    TRY(w.Put("blobs", Key(t % 3), Value(t, 5000 + 7000 * t)));  // replaces free old runs
    TRY(w.Put("blobs", "small" + std::to_string(t), "x"));
    TRY(w.Commit());
  }
  return Status::Ok();
}

Status DeleteHeavy(Workload& w) {
  TRY(w.Open());
  TRY(w.Begin());
  for (int i = 0; i < 300; ++i) TRY(w.Put("t", Key(i), Value(i, 60)));
  TRY(w.Commit());
  for (int t = 0; t < 3; ++t) {
    TRY(w.Begin());
    for (int i = t; i < 300; i += 3) TRY(w.Delete("t", Key(i)));
    TRY(w.Commit());
  }
  return Status::Ok();
}

Status DropAndRecreate(Workload& w) {
  TRY(w.Open());
  TRY(w.Begin());
  for (int i = 0; i < 100; ++i) TRY(w.Put("gone", Key(i), Value(i, 200)));
  TRY(w.Put("stay", "k", "v"));
  TRY(w.Commit());
  TRY(w.Begin());
  TRY(w.DropTree("gone"));
  TRY(w.Commit());
  TRY(w.Begin());
  for (int i = 0; i < 50; ++i) TRY(w.Put("gone", Key(i), Value(i + 1, 150)));
  TRY(w.Commit());
  return Status::Ok();
}

Status FlushAndSyncBetween(Workload& w) {
  TRY(w.Open());
  for (int t = 0; t < 6; ++t) {
    TRY(w.Begin());
    for (int i = 0; i < 10; ++i) TRY(w.Put("t", Key(t * 10 + i), Value(t * 10 + i, 300)));
    TRY(w.Commit());
    TRY(w.Flush());
    if (t % 2 == 1) TRY(w.Sync());
  }
  return Status::Ok();
}

Status JournalRotation(Workload& w) {  // the options use tiny journal files
  TRY(w.Open());
  for (int t = 0; t < 12; ++t) {
    TRY(w.Begin());
    for (int i = 0; i < 8; ++i) TRY(w.Put("t", Key(t * 8 + i), Value(t + i, 900)));
    TRY(w.Commit());
    if (t == 5) {
      TRY(w.Flush());
      TRY(w.Sync());
    }
  }
  return Status::Ok();
}

Status FlushWithoutSync(Workload& w) {
  TRY(w.Open());
  for (int t = 0; t < 4; ++t) {
    TRY(w.Begin());
    for (int i = 0; i < 30; ++i) TRY(w.Put("t", Key(i), Value(t * 100 + i, 150)));
    TRY(w.Commit());
    TRY(w.Flush());
  }
  TRY(w.Sync());
  TRY(w.Begin());
  TRY(w.Put("t", "after", "sync"));
  TRY(w.Commit());
  return Status::Ok();
}

Status LargeCompressedTransaction(Workload& w) {  // compression threshold is lowered
  TRY(w.Open());
  TRY(w.Begin());
  for (int i = 0; i < 150; ++i)
    TRY(w.Put("t", Key(i), std::string(400, static_cast<char>('a' + i % 3))));
  TRY(w.Commit());
  TRY(w.Begin());
  TRY(w.Put("t", Key(1), "changed"));
  TRY(w.Commit());
  return Status::Ok();
}

Status AbortsInterleaved(Workload& w) {
  TRY(w.Open());
  for (int t = 0; t < 6; ++t) {
    TRY(w.Begin());
    TRY(w.Put("t", Key(t), Value(t, 500)));
    if (t % 2 == 0) {
      w.Abort();
      continue;
    }
    TRY(w.Commit());
  }
  return Status::Ok();
}

Status ReopenInTheMiddle(Workload& w) {
  TRY(w.Open());
  TRY(w.Begin());
  for (int i = 0; i < 40; ++i) TRY(w.Put("t", Key(i), Value(i, 250)));
  TRY(w.Commit());
  TRY(w.Reopen());
  TRY(w.Begin());
  for (int i = 0; i < 40; i += 2) TRY(w.Delete("t", Key(i)));
  TRY(w.Put("u", "k", Value(5, 9000)));
  TRY(w.Commit());
  TRY(w.Reopen());
  TRY(w.Begin());
  TRY(w.Put("t", "last", "one"));
  TRY(w.Commit());
  return Status::Ok();
}

Status FreePageReuse(Workload& w) {
  TRY(w.Open());
  TRY(w.Begin());
  for (int i = 0; i < 120; ++i) TRY(w.Put("t", Key(i), Value(i, 700)));
  TRY(w.Commit());
  TRY(w.Begin());
  for (int i = 0; i < 120; ++i) TRY(w.Delete("t", Key(i)));
  TRY(w.Commit());
  TRY(w.Flush());
  TRY(w.Sync());
  TRY(w.Begin());
  for (int i = 0; i < 120; ++i) TRY(w.Put("t", Key(i), Value(i + 1000, 650)));
  TRY(w.Commit());
  TRY(w.Flush());
  return Status::Ok();
}

// Pages freed before a sync are reused after it (their old bytes are in the synced data file, so
// the reusing entry must hold full images), then patched by small diffs in several entries, with a
// flush in the middle that a crash may tear.
Status ReusedPagesPatchedByDiffs(Workload& w) {
  TRY(w.Open());
  TRY(w.Begin());
  for (int i = 0; i < 40; ++i) TRY(w.Put("old", Key(i), Value(i, 300)));
  TRY(w.Put("t", "k", "v0"));
  TRY(w.Commit());
  TRY(w.Begin());
  TRY(w.DropTree("old"));
  TRY(w.Commit());
  TRY(w.Flush());
  TRY(w.Sync());
  TRY(w.Begin());
  for (int i = 0; i < 30; ++i) TRY(w.Put("new", Key(i), Value(i + 50, 280)));
  TRY(w.Commit());
  for (int t = 0; t < 4; ++t) {
    TRY(w.Begin());
    TRY(w.Put("new", Key(t * 7), Value(t + 500, 280)));  // same size: a small diff
    TRY(w.Put("t", "k", "v" + std::to_string(t + 1)));
    TRY(w.Commit());
    if (t == 1) TRY(w.Flush());
  }
  return Status::Ok();
}

#undef TRY

}  // namespace

std::vector<NamedScenario> AllScenarios() {
  return {
      {"SmallCommits", SmallCommits},
      {"MultiTreeTransactions", MultiTreeTransactions},
      {"OverflowValues", OverflowValues},
      {"DeleteHeavy", DeleteHeavy},
      {"DropAndRecreate", DropAndRecreate},
      {"FlushAndSyncBetween", FlushAndSyncBetween},
      {"JournalRotation", JournalRotation},
      {"FlushWithoutSync", FlushWithoutSync},
      {"LargeCompressedTransaction", LargeCompressedTransaction},
      {"AbortsInterleaved", AbortsInterleaved},
      {"ReopenInTheMiddle", ReopenInTheMiddle},
      {"FreePageReuse", FreePageReuse},
      {"ReusedPagesPatchedByDiffs", ReusedPagesPatchedByDiffs},
  };
}

}  // namespace rookery::crash

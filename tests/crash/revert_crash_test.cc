// Power loss during a revisions revert (docs/design/revisions.md): the revert writes in batches,
// each one merged transaction. Cut the power at a sweep of I/O operations inside the revert; after
// recovery every document is either as before the revert or as at the point (never anything
// else), every revisioned document agrees with its newest revision (a document and its revision
// commit together), and running the revert again completes it.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "documents/revisions_test_util.h"
#include "platform/fault_env.h"

namespace rookery::documents {
namespace {

constexpr uint64_t kSeed = 7;
constexpr const char* kDbDir = "/db";

std::string User(int n) {
  return R"({"n":)" + std::to_string(n) + R"(,"@metadata":{"@collection":"Users"}})";
}

struct RevertWorld {
  std::unique_ptr<platform::FaultEnv> env;
  std::unique_ptr<Database> db;
  std::map<std::string, std::string> at_point;
  std::map<std::string, std::string> before;
  int64_t point = 0;
};

void MustRun(Database& db, std::vector<Command> commands) {
  auto r = db.Execute(std::move(commands));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

// The same database, history and clock every time (the FaultEnv is seeded, the clock manual).
void Build(RevertWorld* s) {
  s->env = std::make_unique<platform::FaultEnv>(kSeed);
  s->env->SetManualClock(true);
  auto db = Database::Open(*s->env, kDbDir);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  s->db = std::move(db).value();
  auto config = ParseRevisionsConfig(J(R"({"Collections":{"Users":{}}})"));
  ASSERT_TRUE(config.ok());
  ASSERT_TRUE(s->db->ConfigureRevisions(*config).ok());
  for (int i = 0; i < 30; ++i) MustRun(*s->db, {Put("users/" + std::to_string(i), User(i))});
  s->env->AdvanceMicros(kMinute);
  s->point = static_cast<int64_t>(s->env->NowMicros());
  s->at_point = ContentSnapshot(*s->db);
  s->env->AdvanceMicros(kMinute);
  for (int i = 0; i < 20; ++i) MustRun(*s->db, {Put("users/" + std::to_string(i), User(100 + i))});
  for (int i = 20; i < 25; ++i) MustRun(*s->db, {Del("users/" + std::to_string(i))});
  for (int i = 30; i < 40; ++i) MustRun(*s->db, {Put("users/" + std::to_string(i), User(i))});
  s->env->AdvanceMicros(kMinute);
  s->before = ContentSnapshot(*s->db);
  s->env->SyncAll();
}

Result<RevertResult> RunRevert(RevertWorld& s) {
  RevertRequest request;
  request.time_micros = s.point;
  request.batch_size = 4;
  return s.db->RevertRevisions(request, nullptr);
}

// A live revisioned document's content equals its newest revision's; a missing one's newest
// revision is a delete revision.
void ExpectDocumentsMatchTheirRevisions(Database& db, const std::set<std::string>& ids) {
  for (const std::string& id : ids) {
    auto page = db.GetRevisions(id, 0, 1);
    ASSERT_TRUE(page.ok());
    ASSERT_FALSE(page->revisions.empty()) << id;
    const Document& newest = page->revisions[0];
    auto doc = db.Get(id);
    ASSERT_TRUE(doc.ok());
    if (!*doc) {
      EXPECT_EQ(newest.flags, "HasRevisions, DeleteRevision") << id;
    } else {
      EXPECT_EQ((*doc)->change_vector, newest.change_vector) << id;
    }
  }
}

TEST(RevertCrashTest, PowerLossDuringARevertLeavesBeforeOrPartwayAndRerunCompletes) {
  // How many I/O operations a whole revert takes.
  uint64_t total_ops = 0;
  {
    RevertWorld s;
    ASSERT_NO_FATAL_FAILURE(Build(&s));
    const uint64_t start = s.env->io_ops();
    auto r = RunRevert(s);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->reverted, 35u);
    total_ops = s.env->io_ops() - start;
    EXPECT_EQ(ContentSnapshot(*s.db), s.at_point);
  }
  ASSERT_GT(total_ops, 0u);
  std::set<std::string> ids;
  for (int i = 0; i < 40; ++i) ids.insert("users/" + std::to_string(i));

  const uint64_t step = std::max<uint64_t>(1, total_ops / 24);
  int partway = 0;
  for (uint64_t k = 1; k <= total_ops; k += step) {
    SCOPED_TRACE("power loss at I/O op " + std::to_string(k) + " of " + std::to_string(total_ops) +
                 " (seed " + std::to_string(kSeed) + ")");
    RevertWorld s;
    ASSERT_NO_FATAL_FAILURE(Build(&s));
    s.env->ArmPowerLossAtOp(s.env->io_ops() + k);
    auto interrupted = RunRevert(s);
    EXPECT_FALSE(interrupted.ok());  // the power went out inside the revert
    s.db.reset();
    s.env->SimulatePowerLoss();
    auto reopened = Database::Open(*s.env, kDbDir);
    ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
    s.db = std::move(reopened).value();

    auto recovered = ContentSnapshot(*s.db);
    bool changed = false;
    for (const std::string& id : ids) {
      const bool now = recovered.contains(id);
      const bool then = s.at_point.contains(id);
      const bool was = s.before.contains(id);
      const bool as_before = now == was && (!now || recovered[id] == s.before[id]);
      const bool as_point = now == then && (!now || recovered[id] == s.at_point[id]);
      EXPECT_TRUE(as_before || as_point) << id << " is neither as before nor as at the point";
      if (!as_before) changed = true;
    }
    if (changed) ++partway;
    ExpectDocumentsMatchTheirRevisions(*s.db, ids);

    auto rerun = RunRevert(s);
    ASSERT_TRUE(rerun.ok()) << rerun.status().ToString();
    EXPECT_EQ(ContentSnapshot(*s.db), s.at_point);
    ExpectDocumentsMatchTheirRevisions(*s.db, ids);
  }
  // The sweep did hit the middle of the revert, not only its ends.
  EXPECT_GT(partway, 0);
}

}  // namespace
}  // namespace rookery::documents

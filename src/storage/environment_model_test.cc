// Randomized model test: random commits, aborts, readers, flushes, syncs and reopens (with
// simulated power loss), checked against an in-memory model with per-snapshot expectations.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "storage/environment.h"
#include "storage/storage_fault_env.h"
#include "storage/storage_test_util.h"
#include "storage/transaction.h"

namespace rookery::storage {
namespace {

using testing::EnvKind;
using testing::FillPage;
using testing::FillRun;
using testing::ManualOptions;
using testing::PageValue;
using testing::Root;
using testing::RunValue;

// Page (or run start) -> (value, run length).
using Model = std::map<PageNumber, std::pair<uint64_t, uint32_t>>;

class ModelTest : public ::testing::TestWithParam<EnvKind> {
 protected:
  ModelTest() : dir_(GetParam()), fault_(dir_.env()) { fault_.TrackDurability("data.rookery"); }

  EnvironmentOptions Options(bool sync_on_close) {
    EnvironmentOptions o = ManualOptions();
    o.sync_on_close = sync_on_close;
    o.journal.initial_file_size = 64 << 10;
    o.journal.max_file_size = 128 << 10;
    return o;
  }

  void CheckSnapshot(PageAccess& tx, const Model& model) {
    for (const auto& [n, v] : model) {
      auto p = tx.GetPage(n);
      ASSERT_TRUE(p.ok()) << p.status().ToString();
      if (v.second == 1) {
        ASSERT_EQ(PageValue(*p, n), v.first) << "page " << n;
      } else {
        ASSERT_EQ(RunValue(*p, n, v.second), v.first) << "run " << n;
      }
    }
  }

  void CheckNoLeak(StorageEnvironment& e, const Model& latest) {
    const StorageReport r = e.Report();
    uint64_t live = 0;
    for (const auto& [n, v] : latest) live += v.second;
    ASSERT_EQ(live + r.free_pages + r.free_space_pages, r.next_page)
        << "live " << live << " free " << r.free_pages << " chain " << r.free_space_pages;
  }

  void Run(uint64_t seed, int steps, size_t max_readers) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    auto pick = [&](uint64_t n) { return rng() % n; };
    (void)dir_.env().RemoveAll(dir_.path());
    auto opened = StorageEnvironment::Open(fault_, dir_.path(), Options(false));
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    std::unique_ptr<StorageEnvironment> env = std::move(opened).value();
    std::map<uint64_t, Model> states{{0, Model{}}};
    struct Reader {
      std::unique_ptr<ReadTransaction> tx;
      uint64_t snapshot;
    };
    std::vector<Reader> readers;
    uint64_t last = 0;
    for (int step = 0; step < steps; ++step) {
      SCOPED_TRACE("step " + std::to_string(step));
      const uint64_t dice = pick(100);
      if (dice < 45) {  // a write transaction
        auto w = env->BeginWrite();
        ASSERT_TRUE(w.ok()) << w.status().ToString();
        ASSERT_EQ((*w)->tx_id(), last + 1);
        Model next = states[last];
        const int ops = 1 + static_cast<int>(pick(5));
        for (int i = 0; i < ops; ++i) {
          const uint64_t op = pick(10);
          if (op < 4 && !next.empty()) {
            auto it = std::next(next.begin(), static_cast<long>(pick(next.size())));
            auto p = (*w)->ModifyPage(it->first);
            ASSERT_TRUE(p.ok()) << p.status().ToString();
            it->second.first = rng() >> 8;
            if (it->second.second == 1) {
              FillPage(*p, it->first, it->second.first);
            } else {
              FillRun(*p, it->first, it->second.first, it->second.second);
            }
          } else if (op < 7 || next.empty()) {
            // Mostly single pages, some overflow runs (pages get reused inside runs and the
            // other way round).
            const uint32_t run = pick(4) == 0 ? 2 + static_cast<uint32_t>(pick(3)) : 1;
            auto p = (*w)->AllocatePages(run);
            ASSERT_TRUE(p.ok());
            const PageNumber n = PageNumberOf(*p);
            for (const auto& [m, v] : next) {
              ASSERT_TRUE(m + v.second <= n || n + run <= m)
                  << "allocated " << n << "+" << run << " overlaps live " << m << "+" << v.second;
            }
            next[n] = {rng() >> 8, run};
            if (run == 1) {
              FillPage(*p, n, next[n].first);
            } else {
              FillRun(*p, n, next[n].first, run);
            }
          } else {
            auto it = std::next(next.begin(), static_cast<long>(pick(next.size())));
            ASSERT_TRUE((*w)->FreePage(it->first).ok());
            next.erase(it);
          }
        }
        CheckSnapshot(**w, next);
        if (pick(5) == 0) {
          (*w)->Abort();
        } else {
          (*w)->set_root_record(Root(last + 1));
          Status s = (*w)->Commit();
          ASSERT_TRUE(s.ok()) << s.ToString();
          states[++last] = std::move(next);
        }
      } else if (dice < 57) {
        if (readers.size() < max_readers) {
          auto r = env->BeginRead();
          ASSERT_TRUE(r.ok());
          const uint64_t snap = (*r)->tx_id();
          ASSERT_EQ(snap, last);
          ASSERT_EQ(LoadU64((*r)->root_record().data()), last);
          readers.push_back(Reader{std::move(r).value(), snap});
        }
      } else if (dice < 67) {
        if (!readers.empty())
          readers.erase(readers.begin() + static_cast<long>(pick(readers.size())));
      } else if (dice < 82) {
        if (!readers.empty()) {
          Reader& r = readers[pick(readers.size())];
          CheckSnapshot(*r.tx, states[r.snapshot]);
        }
      } else if (dice < 90) {
        ASSERT_TRUE(env->FlushNow().ok());
      } else if (dice < 96) {
        ASSERT_TRUE(env->SyncNow().ok());
      } else {  // reopen, cleanly or after a simulated power loss
        readers.clear();
        const bool clean = pick(2) == 0;
        env.reset();
        if (!clean) {
          ASSERT_TRUE(fault_.Crash().ok());
        }
        auto again = StorageEnvironment::Open(fault_, dir_.path(), Options(false));
        ASSERT_TRUE(again.ok()) << again.status().ToString();
        env = std::move(again).value();
        const StorageReport rep = env->Report();
        ASSERT_EQ(rep.last_durable_tx, last);
        auto r = env->BeginRead();
        ASSERT_EQ(LoadU64((*r)->root_record().data()), last);
        CheckSnapshot(**r, states[last]);
        CheckNoLeak(*env, states[last]);
      }
      // Forget states no reader can ask for.
      uint64_t oldest = last;
      for (const Reader& r : readers) oldest = std::min(oldest, r.snapshot);
      states.erase(states.begin(), states.lower_bound(oldest));
      if (HasFatalFailure()) return;
    }
    readers.clear();
    CheckNoLeak(*env, states[last]);
    ASSERT_TRUE(env->FlushNow().ok());
    ASSERT_TRUE(env->SyncNow().ok());
    auto r = env->BeginRead();
    CheckSnapshot(**r, states[last]);
  }

  testing::TempEnvDir dir_;
  testing::FaultEnv fault_;
};

TEST_P(ModelTest, RandomOperationsMatchModel) {
  const int seeds = GetParam() == EnvKind::kMem ? 6 : 2;
  for (int i = 0; i < seeds; ++i) {
    // Few readers let freed pages be reused (and flushed) quickly; many hold flushes back.
    Run(0x5eed0000 + static_cast<uint64_t>(i), 400, i % 2 == 0 ? 5 : 1);
    if (HasFatalFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(Envs, ModelTest, ::testing::Values(EnvKind::kMem, EnvKind::kPosix),
                         testing::EnvKindName);

}  // namespace
}  // namespace rookery::storage

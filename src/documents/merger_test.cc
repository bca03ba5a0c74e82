// The merger on a fake transaction: a map with staged writes, a commit counter and injectable
// commit failures.
#include "documents/merger.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace rookery::documents {
namespace {

struct FakeStore {
  std::mutex mu;
  std::map<std::string, int> data;
  int commits = 0;
  bool fail_commit = false;
};

class FakeTxn : public MergedTransaction {
 public:
  explicit FakeTxn(FakeStore* store) : store_(store) {}
  Status Commit() override {
    std::lock_guard lock(store_->mu);
    if (store_->fail_commit) return Status::IOError("disk on fire");
    for (auto& [k, v] : staged_) store_->data[k] = v;
    ++store_->commits;
    return Status::Ok();
  }
  void Abort() override { staged_.clear(); }
  std::map<std::string, int> staged_;

 private:
  FakeStore* store_;
};

TransactionMerger::BeginFn Begin(FakeStore* store) {
  return [store]() -> Result<std::unique_ptr<MergedTransaction>> {
    return std::unique_ptr<MergedTransaction>(new FakeTxn(store));
  };
}

TransactionMerger::Work Write(std::string key, int value, Status outcome = Status::Ok()) {
  return [key, value, outcome](MergedTransaction& t) {
    static_cast<FakeTxn&>(t).staged_[key] = value;  // written even when the batch then fails
    return outcome;
  };
}

void WaitQueued(TransactionMerger& m, size_t n) {
  while (m.queued() < n) std::this_thread::yield();
}

TEST(Merger, SingleBatchCommits) {
  FakeStore store;
  TransactionMerger m(Begin(&store));
  ASSERT_TRUE(m.Execute(Write("a", 1)).ok());
  EXPECT_EQ(store.data["a"], 1);
  EXPECT_EQ(m.stats().transactions, 1u);
  EXPECT_EQ(m.Execute(Write("b", 2, Status::Conflict("no"))).code(), Code::kConflict);
  EXPECT_EQ(store.data.count("b"), 0u);
}

TEST(Merger, QueuedBatchesShareOneCommitAndAFailingOneIsIsolated) {
  FakeStore store;
  TransactionMerger m(Begin(&store));
  m.Pause();
  std::vector<std::thread> threads;
  std::vector<Status> results(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      Status outcome = i == 3 ? Status::Conflict("batch 3 conflicts") : Status::Ok();
      results[i] = m.Execute(Write("k" + std::to_string(i), i, outcome));
    });
  }
  WaitQueued(m, 8);
  m.Resume();
  for (auto& t : threads) t.join();
  for (int i = 0; i < 8; ++i) {
    if (i == 3) {
      EXPECT_EQ(results[i].code(), Code::kConflict);
      EXPECT_EQ(store.data.count("k3"), 0u);
    } else {
      EXPECT_TRUE(results[i].ok()) << i << ": " << results[i].ToString();
      EXPECT_EQ(store.data["k" + std::to_string(i)], i);
    }
  }
  EXPECT_EQ(m.stats().reruns, 1u);
  EXPECT_EQ(m.stats().batches, 7u);
  EXPECT_EQ(store.commits, 1);  // the other seven still share one commit
}

TEST(Merger, AllGoodBatchesOneCommit) {
  FakeStore store;
  TransactionMerger m(Begin(&store));
  m.Pause();
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back(
        [&, i] { EXPECT_TRUE(m.Execute(Write("k" + std::to_string(i), i)).ok()); });
  }
  WaitQueued(m, 8);
  m.Resume();
  for (auto& t : threads) t.join();
  EXPECT_EQ(store.commits, 1);
  EXPECT_EQ(m.stats().transactions, 1u);
  EXPECT_EQ(m.stats().batches, 8u);
  EXPECT_EQ(store.data.size(), 8u);
}

TEST(Merger, StorageFailureFailsEveryBatchOfTheTransaction) {
  FakeStore store;
  store.fail_commit = true;
  TransactionMerger m(Begin(&store));
  m.Pause();
  std::vector<std::thread> threads;
  std::vector<Status> results(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { results[i] = m.Execute(Write("k" + std::to_string(i), i)); });
  }
  WaitQueued(m, 4);
  m.Resume();
  for (auto& t : threads) t.join();
  for (auto& r : results) EXPECT_EQ(r.code(), Code::kIOError);
  EXPECT_TRUE(store.data.empty());
  // A storage error raised by a batch's work fails the whole group too, without a rerun.
  store.fail_commit = false;
  m.Pause();
  threads.clear();
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      results[i] = m.Execute(Write("k" + std::to_string(i), i,
                                   i == 1 ? Status::Corruption("bad page") : Status::Ok()));
    });
  }
  WaitQueued(m, 4);
  m.Resume();
  for (auto& t : threads) t.join();
  for (auto& r : results) EXPECT_EQ(r.code(), Code::kCorruption);
  EXPECT_TRUE(store.data.empty());
  EXPECT_EQ(m.stats().reruns, 0u);
}

TEST(Merger, DestructorAbortsQueuedBatches) {
  FakeStore store;
  Status result;
  std::thread caller;
  {
    TransactionMerger m(Begin(&store));
    m.Pause();
    caller = std::thread([&] { result = m.Execute(Write("a", 1)); });
    WaitQueued(m, 1);
  }
  caller.join();
  EXPECT_EQ(result.code(), Code::kAborted);
  EXPECT_TRUE(store.data.empty());
}

// `meanwhile` runs on the caller's thread while the writer runs the work: the work waits for a
// value that only `meanwhile` provides, so the batch can only commit if both run concurrently.
TEST(Merger, MeanwhileRunsOnTheCallerWhileTheWorkWaitsForIt) {
  FakeStore store;
  TransactionMerger m(Begin(&store));
  std::mutex mu;
  std::condition_variable cv;
  int produced = 0;
  bool work_started = false;
  const std::thread::id caller = std::this_thread::get_id();
  std::thread::id meanwhile_thread;
  Status s = m.Execute(
      [&](MergedTransaction& t) {
        std::unique_lock lock(mu);
        work_started = true;
        cv.notify_all();
        cv.wait(lock, [&] { return produced != 0; });
        static_cast<FakeTxn&>(t).staged_["produced"] = produced;
        return Status::Ok();
      },
      [&] {
        meanwhile_thread = std::this_thread::get_id();
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return work_started; });  // the writer is inside the work already
        produced = 42;
        cv.notify_all();
      });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(meanwhile_thread, caller);
  EXPECT_EQ(store.data["produced"], 42);
  EXPECT_EQ(store.commits, 1);
}

}  // namespace
}  // namespace rookery::documents

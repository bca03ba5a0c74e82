// TransactionMerger: the one writer of a database (architecture.md, habit 4).
//
// Callers hand a batch (a Work function) to Execute and block. One writer thread takes every
// batch queued at that moment, opens ONE transaction (through the Begin callback), runs the
// batches in queue order inside it and commits once, so concurrent callers share one journal
// write; then it wakes the callers.
//
// Isolation of failures:
//   * A batch whose Work returns a batch error (kConflict, kInvalidArgument, kNotFound,
//     kAlreadyExists: see IsBatchError) must have no effect, while the others still commit. The
//     writer aborts the shared transaction, gives that batch its error, and re-runs the rest of
//     the group together in a new transaction (repeating while batches fail). The failed batch
//     saw exactly the state it would have seen had it run alone in queue order (committed data
//     plus the batches before it, which re-run identically), so the outcome is the serial
//     execution of the queue with failed batches as no-ops. Work must therefore be re-runnable:
//     it may be called more than once and only its last call's outputs count.
//   * Any other failure (a storage error from Work, Begin or Commit) fails every batch of that
//     transaction with that error; nothing of it is committed.
//
// Execute returns once the batch's transaction committed (durable, per the storage contract) or
// failed. Batches of one caller are applied in call order; batches of concurrent callers in the
// order they reached the queue.
//
// Threads: Execute, Pause, Resume, queued and stats may be called from any thread (Execute never
// from inside a Work). The destructor fails batches still queued with kAborted and joins the
// writer.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "base/result.h"

namespace rookery::documents {

// One open transaction of the merger; what it is depends on the owner (Database: a storage write
// transaction plus cached database state).
class MergedTransaction {
 public:
  virtual ~MergedTransaction() = default;
  // Makes every Work's effects durable; the transaction is finished either way.
  virtual Status Commit() = 0;
  // Discards everything (also what the destructor does when neither was called).
  virtual void Abort() = 0;
};

struct MergerStats {
  uint64_t transactions = 0;  // transactions committed
  uint64_t batches = 0;       // batches committed
  uint64_t reruns = 0;        // transactions re-run without a batch that failed
};

class TransactionMerger {
 public:
  using BeginFn = std::function<Result<std::unique_ptr<MergedTransaction>>()>;
  using Work = std::function<Status(MergedTransaction&)>;

  explicit TransactionMerger(BeginFn begin);
  ~TransactionMerger();
  TransactionMerger(const TransactionMerger&) = delete;
  TransactionMerger& operator=(const TransactionMerger&) = delete;

  // Runs `work` in a merged transaction and waits for the outcome (see the file comment).
  Status Execute(Work work);
  // As Execute, but runs `meanwhile` on the calling thread after the batch is queued and before
  // waiting for its outcome: the writer may already be running `work` while `meanwhile` produces
  // what `work` consumes (Database::ExecuteStreaming). `work` may wait only for `meanwhile`,
  // which must finish without waiting for the merger. When the merger is closing, `meanwhile` is
  // not run.
  Status Execute(Work work, const std::function<void()>& meanwhile);

  // While paused the writer takes no new batch (the one in progress finishes). Tests use this to
  // queue several batches deterministically before they are merged.
  void Pause();
  void Resume();
  size_t queued() const;
  MergerStats stats() const;

  // The failures a batch can cause on its own, which must not fail batches merged with it.
  static bool IsBatchError(const Status& status);

 private:
  struct Pending {
    Work work;
    Status result;
    bool done = false;
  };

  void Run();
  // Runs the group in one transaction, dropping batches that fail with a batch error.
  void RunGroup(std::deque<Pending*>& group);
  void Finish(Pending* p, Status s);

  BeginFn begin_;
  mutable std::mutex mu_;
  std::condition_variable wake_writer_;
  std::condition_variable wake_callers_;
  std::condition_variable left_;
  size_t callers_ = 0;  // threads inside Execute
  std::deque<Pending*> queue_;
  bool paused_ = false;
  bool stopping_ = false;
  MergerStats stats_;
  std::thread writer_;
};

}  // namespace rookery::documents

#include "documents/merger.h"

#include <utility>

namespace rookery::documents {

TransactionMerger::TransactionMerger(BeginFn begin)
    : begin_(std::move(begin)), writer_([this] { Run(); }) {}

TransactionMerger::~TransactionMerger() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_writer_.notify_all();
  writer_.join();
  std::unique_lock lock(mu_);
  for (Pending* p : queue_) {
    p->result = Status::Aborted("the database is closing; the batch was not executed");
    p->done = true;
  }
  queue_.clear();
  wake_callers_.notify_all();
  // Callers still inside Execute touch mu_ on their way out: wait for them to leave.
  left_.wait(lock, [&] { return callers_ == 0; });
}

bool TransactionMerger::IsBatchError(const Status& s) {
  switch (s.code()) {
    case Code::kConflict:
    case Code::kInvalidArgument:
    case Code::kNotFound:
    case Code::kAlreadyExists:
      return true;
    default:
      return false;
  }
}

Status TransactionMerger::Execute(Work work) {
  return Execute(std::move(work), nullptr);
}

Status TransactionMerger::Execute(Work work, const std::function<void()>& meanwhile) {
  Pending p;
  p.work = std::move(work);
  std::unique_lock lock(mu_);
  if (stopping_) return Status::Aborted("the database is closing; the batch was not executed");
  queue_.push_back(&p);
  ++callers_;
  wake_writer_.notify_one();
  if (meanwhile) {
    lock.unlock();
    meanwhile();
    lock.lock();
  }
  wake_callers_.wait(lock, [&] { return p.done; });
  if (--callers_ == 0 && stopping_) left_.notify_all();
  return std::move(p.result);
}

void TransactionMerger::Pause() {
  std::lock_guard lock(mu_);
  paused_ = true;
}

void TransactionMerger::Resume() {
  {
    std::lock_guard lock(mu_);
    paused_ = false;
  }
  wake_writer_.notify_all();
}

size_t TransactionMerger::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

MergerStats TransactionMerger::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void TransactionMerger::Run() {
  while (true) {
    std::deque<Pending*> group;
    {
      std::unique_lock lock(mu_);
      wake_writer_.wait(lock, [&] { return stopping_ || (!paused_ && !queue_.empty()); });
      if (stopping_) return;
      group.swap(queue_);
    }
    RunGroup(group);
  }
}

void TransactionMerger::Finish(Pending* p, Status s) {
  std::lock_guard lock(mu_);
  p->result = std::move(s);
  p->done = true;
}

void TransactionMerger::RunGroup(std::deque<Pending*>& group) {
  auto fail_all = [&](const Status& s) {
    for (Pending* p : group) Finish(p, s);
  };
  while (!group.empty()) {
    auto txn = begin_();
    if (!txn.ok()) {
      fail_all(txn.status());
      break;
    }
    bool retry = false;
    for (auto it = group.begin(); it != group.end(); ++it) {
      Status s = (*it)->work(**txn);
      if (s.ok()) continue;
      (*txn)->Abort();
      if (!IsBatchError(s)) {
        fail_all(s);
        group.clear();
        break;
      }
      Finish(*it, std::move(s));
      group.erase(it);
      retry = true;
      break;
    }
    if (group.empty()) break;
    if (retry) {
      std::lock_guard lock(mu_);
      ++stats_.reruns;
      continue;
    }
    Status s = (*txn)->Commit();
    if (s.ok()) {
      std::lock_guard lock(mu_);
      ++stats_.transactions;
      stats_.batches += group.size();
    }
    fail_all(s);  // OK for every batch when the commit succeeded
    break;
  }
  wake_callers_.notify_all();
}

}  // namespace rookery::documents

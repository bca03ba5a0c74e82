#include "documents/command_stream.h"

#include <utility>

namespace rookery::documents {

void CommandStream::Append(std::vector<Command> chunk) {
  if (chunk.empty()) return;
  bool wake;
  {
    std::lock_guard lock(mu_);
    chunks_.push_back(std::move(chunk));
    wake = reader_waiting_;
  }
  // Only a waiting reader costs a wake-up; one that is busy executing finds the chunk later.
  if (wake) appended_.notify_all();
}

void CommandStream::Close(bool ok) {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    failed_ = !ok;
  }
  appended_.notify_all();
}

const std::vector<Command>* CommandStream::Chunk(size_t index) {
  std::unique_lock lock(mu_);
  if (index >= chunks_.size() && !closed_) {
    reader_waiting_ = true;
    appended_.wait(lock, [&] { return index < chunks_.size() || closed_; });
    reader_waiting_ = false;
  }
  return index < chunks_.size() ? &chunks_[index] : nullptr;
}

bool CommandStream::failed() const {
  std::lock_guard lock(mu_);
  return failed_;
}

}  // namespace rookery::documents

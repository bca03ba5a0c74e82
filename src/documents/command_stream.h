// CommandStream: the commands of one batch handed to the merger while they are still being
// produced (Database::ExecuteStreaming).
//
// A producer thread appends chunks of commands and closes the stream; the merger's writer reads
// the chunks in order, waiting for each until it is appended or the stream is closed. Chunks
// stay in the stream (a merged transaction may be re-run and read them again) until it is
// destroyed.
//
// Threads: one producer (Append, Close) and any number of readers (Chunk, failed).
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

#include "documents/database.h"

namespace rookery::documents {

class CommandStream {
 public:
  // Appends the next chunk; no-op for an empty one. Not after Close.
  void Append(std::vector<Command> chunk);
  // No more chunks. `ok` false: the producer gave up (e.g. it found a command it does not
  // accept); the execution then fails and writes nothing.
  void Close(bool ok);

  // The chunk at `index` (0, 1, ...), waiting until it is appended; nullptr when the stream was
  // closed with fewer chunks. The chunk stays valid while the stream exists.
  const std::vector<Command>* Chunk(size_t index);
  // Closed with ok = false.
  bool failed() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable appended_;
  std::deque<std::vector<Command>> chunks_;  // references stay valid on push_back
  bool closed_ = false;
  bool failed_ = false;
  bool reader_waiting_ = false;
};

}  // namespace rookery::documents

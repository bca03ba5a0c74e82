// kill_writer: the process that tests/crash/kill_test.cc kills with SIGKILL.
//
//   kill_writer write  <dir> <ack-file> <run> <threads>   commit forever; log each acknowledged
//                                                          commit to <ack-file> after Commit
//                                                          returns
//   kill_writer verify <dir> <ack-file>                    check every logged commit is present
//
// Keys are "r<run>-t<thread>-<seq>" in tree "t<thread % 2>", one per transaction, with a value
// derived from the key (sizes from 10 B to 30 KiB, so some are overflow runs). Verify requires,
// per (run, thread), that the keys present are exactly 0..n with n >= the last acknowledged seq
// and n <= last acknowledged + 1 (the one commit in flight when the kill came): no acknowledged
// commit lost, no hole, nothing never attempted.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/logging.h"
#include "platform/env.h"
#include "storage/store.h"

using namespace rookery;

namespace {

std::string KeyOf(int run, int thread, uint64_t seq) {
  return "r" + std::to_string(run) + "-t" + std::to_string(thread) + "-" + std::to_string(seq);
}

std::string ValueOf(const std::string& key) {
  std::mt19937_64 rng(std::hash<std::string>{}(key));
  const size_t size = rng() % 10 == 0 ? 2000 + rng() % 28000 : 10 + rng() % 300;
  std::string v(size, '\0');
  for (auto& c : v) c = static_cast<char>('a' + rng() % 26);
  return v;
}

storage::EnvironmentOptions Options() {
  storage::EnvironmentOptions o;
  // Small thresholds so flushes, syncs and journal releases happen while the writer is killed.
  o.flush_threshold_bytes = 256 << 10;
  o.flush_idle_micros = 20 * 1000;
  o.sync_threshold_bytes = 512 << 10;
  o.sync_interval_micros = 50 * 1000;
  o.background_poll_micros = 5 * 1000;
  o.journal.initial_file_size = 64 << 10;
  o.journal.max_file_size = 1 << 20;
  return o;
}

int Write(const std::string& dir, const std::string& ack_path, int run, int threads) {
  auto env = platform::NewPosixEnv();
  auto store = storage::Store::Open(*env, dir, Options());
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
    return 3;
  }
  const int ack = ::open(ack_path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (ack < 0) return 4;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (uint64_t seq = 0;; ++seq) {
        const std::string key = KeyOf(run, t, seq);
        auto txn = (*store)->BeginWrite();
        if (!txn.ok()) std::_Exit(5);
        auto tree = (*txn)->OpenOrCreateTree("t" + std::to_string(t % 2));
        if (!tree.ok() || !(*tree)->Put(key, ValueOf(key)).ok()) std::_Exit(6);
        if (!(*txn)->Commit().ok()) std::_Exit(7);
        const std::string line =
            std::to_string(run) + " " + std::to_string(t) + " " + std::to_string(seq) + "\n";
        if (::write(ack, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
          std::_Exit(8);
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  return 0;
}

int Verify(const std::string& dir, const std::string& ack_path) {
  std::map<std::pair<int, int>, long long> acked;  // (run, thread) -> last acknowledged seq
  if (FILE* f = std::fopen(ack_path.c_str(), "r")) {
    int run, thread;
    long long seq;
    while (std::fscanf(f, "%d %d %lld", &run, &thread, &seq) == 3) {
      auto& last = acked.emplace(std::make_pair(run, thread), -1).first->second;
      last = std::max(last, seq);
    }
    std::fclose(f);
  }
  auto env = platform::NewPosixEnv();
  auto store = storage::Store::Open(*env, dir, Options());
  if (!store.ok()) {
    std::printf("FAIL: reopen: %s\n", store.status().ToString().c_str());
    return 1;
  }
  auto txn = (*store)->BeginRead();
  if (!txn.ok()) return 1;
  // Present keys per (run, thread), with every value checked.
  std::map<std::pair<int, int>, std::vector<long long>> present;
  uint64_t total = 0;
  for (const std::string name : {"t0", "t1"}) {
    auto tree = (*txn)->OpenTree(name);
    if (!tree.ok()) continue;
    Status verified = (*tree)->Verify();
    if (!verified.ok()) {
      std::printf("FAIL: tree %s: %s\n", name.c_str(), verified.ToString().c_str());
      return 1;
    }
    auto it = (*txn)->Iterate(*tree);
    for (it.SeekToFirst(); it.Valid(); it.Next()) {
      const std::string key(it.key());
      int run, thread;
      long long seq;
      if (std::sscanf(key.c_str(), "r%d-t%d-%lld", &run, &thread, &seq) != 3) {
        std::printf("FAIL: unknown key %s\n", key.c_str());
        return 1;
      }
      if (it.value() != ValueOf(key)) {
        std::printf("FAIL: wrong value for %s\n", key.c_str());
        return 1;
      }
      present[{run, thread}].push_back(seq);
      ++total;
    }
    if (!it.status().ok()) {
      std::printf("FAIL: iterate: %s\n", it.status().ToString().c_str());
      return 1;
    }
  }
  for (auto& [id, seqs] : present) {
    std::sort(seqs.begin(), seqs.end());
    for (size_t i = 0; i < seqs.size(); ++i) {
      if (seqs[i] != static_cast<long long>(i)) {
        std::printf("FAIL: run %d thread %d: hole before seq %lld\n", id.first, id.second, seqs[i]);
        return 1;
      }
    }
  }
  for (const auto& [id, last] : acked) {
    const long long have = static_cast<long long>(present[id].size()) - 1;
    if (have < last) {
      std::printf("FAIL: run %d thread %d: acknowledged up to %lld, present up to %lld\n", id.first,
                  id.second, last, have);
      return 1;
    }
    if (have > last + 1) {
      std::printf("FAIL: run %d thread %d: present up to %lld, acknowledged only %lld\n", id.first,
                  id.second, have, last);
      return 1;
    }
  }
  std::printf("OK %llu keys\n", static_cast<unsigned long long>(total));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  log::Init(log::Level::kWarn);  // logs to stderr; stdout carries the verdict
  if (argc == 6 && std::string(argv[1]) == "write") {
    return Write(argv[2], argv[3], std::atoi(argv[4]), std::atoi(argv[5]));
  }
  if (argc == 4 && std::string(argv[1]) == "verify") return Verify(argv[2], argv[3]);
  std::fprintf(stderr, "usage: kill_writer write DIR ACKS RUN THREADS | verify DIR ACKS\n");
  return 2;
}

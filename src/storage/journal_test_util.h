// Test helpers for the journal tests: Env wrappers (counting, fault injection, O_DIRECT refusal),
// commit-record builders and a recorder of recovered entries.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "platform/env.h"
#include "storage/journal.h"
#include "storage/journal_format.h"
#include "storage/page.h"

namespace rookery::storage::testing {

// Forwards every call to a base Env; subclasses override what they observe or break.
class ForwardingFile : public platform::File {
 public:
  explicit ForwardingFile(std::unique_ptr<platform::File> base) : base_(std::move(base)) {}
  const std::string& path() const override { return base_->path(); }
  Result<size_t> ReadAt(uint64_t o, void* d, size_t n) override { return base_->ReadAt(o, d, n); }
  Status WriteAt(uint64_t o, const void* s, size_t n) override { return base_->WriteAt(o, s, n); }
  Status Sync() override { return base_->Sync(); }
  Status Truncate(uint64_t size) override { return base_->Truncate(size); }
  Status Allocate(uint64_t o, uint64_t l) override { return base_->Allocate(o, l); }
  Result<uint64_t> Size() override { return base_->Size(); }
  Result<std::unique_ptr<platform::MappedRegion>> Map(uint64_t l) override { return base_->Map(l); }
  bool direct_io() const override { return base_->direct_io(); }

 protected:
  std::unique_ptr<platform::File> base_;
};

using ForwardingEnv = platform::EnvWrapper;

// What the I/O hooks see. `entry` is true for writes that carry journal entries (as opposed to
// the one-time fill of a new file).
struct WriteEvent {
  std::string path;
  uint64_t offset = 0;
  size_t size = 0;
  bool entry = false;
  std::thread::id thread;
};

// Counts writes/syncs and can fail chosen ones: the hook decides, per call, to pass (OK), to fail
// without writing, or (partial=true) to write the first half and then fail.
class HookEnv : public ForwardingEnv {
 public:
  using Base = ForwardingEnv;
  explicit HookEnv(platform::Env& base) : ForwardingEnv(base) {}

  // Guards everything below: a writer prepares files on a helper thread.
  std::mutex mu;
  std::vector<WriteEvent> writes;
  int syncs = 0;
  int dir_syncs = 0;
  bool refuse_direct_io = false;
  bool refuse_data_sync = false;
  // Returns a non-OK status to fail the write; sets *partial to write half of it first.
  std::function<Status(const WriteEvent&, bool* partial)> on_write;
  std::function<Status()> on_sync;

  size_t EntryWrites() {
    std::lock_guard<std::mutex> lock(mu);
    size_t n = 0;
    for (const auto& w : writes) n += w.entry ? 1 : 0;
    return n;
  }

  Result<std::unique_ptr<platform::File>> OpenFile(const std::string& p,
                                                   const platform::FileOptions& o) override {
    if (o.direct_io && refuse_direct_io) {
      // Linux creates the name before refusing O_DIRECT; mimic that.
      platform::FileOptions plain = o;
      plain.direct_io = false;
      plain.exclusive = false;
      auto created = base_.OpenFile(p, plain);
      if (!created.ok()) return created.status();
      return Status::NotSupported("O_DIRECT refused for " + p + " (test)");
    }
    if (o.data_sync && refuse_data_sync) {
      return Status::NotSupported("O_DSYNC refused for " + p + " (test)");
    }
    auto file = base_.OpenFile(p, o);
    if (!file.ok()) return file.status();
    return std::unique_ptr<platform::File>(new File(this, std::move(file).value()));
  }
  Status SyncDir(const std::string& p) override {
    {
      std::lock_guard<std::mutex> lock(mu);
      ++dir_syncs;
    }
    return base_.SyncDir(p);
  }

 private:
  class File final : public ForwardingFile {
   public:
    File(HookEnv* env, std::unique_ptr<platform::File> base)
        : ForwardingFile(std::move(base)), env_(env) {}
    Status WriteAt(uint64_t o, const void* s, size_t n) override {
      WriteEvent ev{path(), o, n, n >= 8 && LoadU64(s) == journal::kEntryMarker,
                    std::this_thread::get_id()};
      bool partial = false;
      Status st;
      {
        std::lock_guard<std::mutex> lock(env_->mu);
        env_->writes.push_back(ev);
        if (env_->on_write) st = env_->on_write(ev, &partial);
      }
      if (!st.ok()) {
        if (partial) (void)base_->WriteAt(o, s, n / 2);
        return st;
      }
      return base_->WriteAt(o, s, n);
    }
    Status Sync() override {
      {
        std::lock_guard<std::mutex> lock(env_->mu);
        ++env_->syncs;
        if (env_->on_sync) ROOKERY_RETURN_IF_ERROR(env_->on_sync());
      }
      return base_->Sync();
    }

   private:
    HookEnv* env_;
  };
};

// A commit record with the page memory it points to.
struct OwnedRecord {
  CommitRecord record;
  std::vector<std::vector<uint8_t>> buffers;
};

// Builds a sealed run of `run` pages numbered `number`; `compressible` fills it with repetitive
// text, otherwise with random bytes.
inline std::vector<uint8_t> MakeRun(PageNumber number, uint32_t run, bool compressible,
                                    std::mt19937_64& rng) {
  std::vector<uint8_t> buf(size_t{run} * kPageSize);
  StoreU64(buf.data() + kOffPageNumber, number);
  if (run > 1) {
    buf[kOffFlags] = kPageOverflow;
    StoreU32(buf.data() + kOffOverflowSize, static_cast<uint32_t>(buf.size() - kPageHeaderSize));
  } else {
    buf[kOffFlags] = kPageLeaf;
  }
  if (compressible) {
    static const char kText[] = "{\"Name\":\"Rookery\",\"Company\":\"companies/17\",\"Count\":";
    const uint64_t salt = rng();
    for (size_t i = kPageHeaderSize; i < buf.size(); ++i) {
      buf[i] = static_cast<uint8_t>(kText[i % (sizeof(kText) - 1)] ^ ((i % 97 == 0) ? salt : 0));
    }
  } else {
    for (size_t i = kPageHeaderSize; i + 8 <= buf.size(); i += 8) StoreU64(&buf[i], rng());
  }
  SealPage(buf.data());
  return buf;
}

// A record for `tx` with runs of the given lengths at consecutive page numbers from `first_page`.
inline OwnedRecord MakeRecord(uint64_t tx, const std::vector<uint32_t>& runs, bool compressible,
                              std::mt19937_64& rng, PageNumber first_page = 10) {
  OwnedRecord out;
  out.record.tx_id = tx;
  out.record.timestamp_micros = 1700000000000000ull + tx;
  for (size_t i = 0; i < kRootRecordSize; ++i) out.record.root[i] = static_cast<uint8_t>(rng());
  PageNumber next = first_page;
  for (uint32_t run : runs) {
    out.buffers.push_back(MakeRun(next, run, compressible, rng));
    next += run;
  }
  for (size_t i = 0; i < runs.size(); ++i) {
    out.record.pages.push_back(
        JournalPage{PageNumberOf(out.buffers[i].data()), runs[i], out.buffers[i].data()});
  }
  out.record.next_page = next + 5;
  return out;
}

// A deep copy of what recovery handed over.
struct SeenEntry {
  uint64_t journal = 0;
  uint64_t tx = 0;
  uint64_t next_page = 0;
  uint64_t timestamp = 0;
  std::array<uint8_t, kRootRecordSize> root{};
  std::vector<std::pair<JournalPage, std::vector<uint8_t>>> pages;
};

inline Status RecoverAll(platform::Env& env, const std::string& dir, uint64_t first_journal,
                         uint64_t last_synced, std::vector<SeenEntry>* seen,
                         RecoveryResult* result) {
  seen->clear();
  return RecoverJournals(
      env, dir, first_journal, last_synced,
      [&](const RecoveredEntry& e) {
        SeenEntry s;
        s.journal = e.journal_number;
        s.tx = e.record.tx_id;
        s.next_page = e.record.next_page;
        s.timestamp = e.record.timestamp_micros;
        std::copy(e.record.root, e.record.root + kRootRecordSize, s.root.begin());
        for (const JournalPage& p : e.record.pages) {
          // A diff is copied as its payload (ApplyPageDiff turns it into the page).
          const size_t n = p.diff_bytes != 0 ? p.diff_bytes : p.run_pages * kPageSize;
          s.pages.emplace_back(p, std::vector<uint8_t>(p.data, p.data + n));
        }
        seen->push_back(std::move(s));
        return Status::Ok();
      },
      result);
}

// Asserts that `seen` equals `expected` exactly (ids, roots, page numbers and bytes).
inline void ExpectSame(const std::vector<OwnedRecord>& expected,
                       const std::vector<SeenEntry>& seen) {
  ASSERT_EQ(seen.size(), expected.size());
  for (size_t i = 0; i < seen.size(); ++i) {
    const CommitRecord& r = expected[i].record;
    SCOPED_TRACE("tx " + std::to_string(r.tx_id));
    ASSERT_EQ(seen[i].tx, r.tx_id);
    EXPECT_EQ(seen[i].next_page, r.next_page);
    EXPECT_EQ(seen[i].timestamp, r.timestamp_micros);
    EXPECT_TRUE(std::equal(seen[i].root.begin(), seen[i].root.end(), r.root));
    ASSERT_EQ(seen[i].pages.size(), r.pages.size());
    for (size_t p = 0; p < r.pages.size(); ++p) {
      EXPECT_EQ(seen[i].pages[p].first.number, r.pages[p].number);
      EXPECT_EQ(seen[i].pages[p].first.run_pages, r.pages[p].run_pages);
      ASSERT_EQ(seen[i].pages[p].second.size(), size_t{r.pages[p].run_pages} * kPageSize);
      EXPECT_EQ(0, std::memcmp(seen[i].pages[p].second.data(), r.pages[p].data,
                               seen[i].pages[p].second.size()));
    }
  }
}

// Where each valid entry sits, found by walking the files the way the writer filled them.
struct EntryLocation {
  std::string path;
  uint64_t offset = 0;
  journal::EntryHeader header;
};
inline std::vector<EntryLocation> LocateEntries(platform::Env& env, const std::string& dir) {
  std::vector<EntryLocation> out;
  auto names = env.ListDir(dir);
  if (!names.ok()) return out;
  for (const std::string& name : *names) {
    uint64_t number;
    if (!journal::ParseJournalFileName(name, &number)) continue;
    const std::string path = platform::JoinPath(dir, name);
    auto bytes = platform::ReadFileToString(env, path);
    if (!bytes.ok()) continue;
    const auto* data = reinterpret_cast<const uint8_t*>(bytes->data());
    uint64_t offset = journal::kFileHeaderSize;
    while (offset + journal::kEntryHeaderSize <= bytes->size()) {
      auto slot = journal::DecodeEntryHeader(
          std::span<const uint8_t>(data + offset, journal::kEntryHeaderSize));
      if (slot.kind != journal::SlotKind::kValid) break;
      out.push_back(EntryLocation{path, offset, slot.header});
      offset += slot.header.EntryLength();
    }
  }
  return out;
}

// Overwrites bytes of a file in place.
inline void PokeFile(platform::Env& env, const std::string& path, uint64_t offset, const void* data,
                     size_t n) {
  platform::FileOptions opts;
  opts.write = true;
  auto file = env.OpenFile(path, opts);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_TRUE((*file)->WriteAt(offset, data, n).ok());
}
inline uint8_t PeekByte(platform::Env& env, const std::string& path, uint64_t offset) {
  auto file = env.OpenFile(path, platform::FileOptions{});
  EXPECT_TRUE(file.ok());
  uint8_t b = 0;
  auto got = (*file)->ReadAt(offset, &b, 1);
  EXPECT_TRUE(got.ok());
  return b;
}

enum class EnvKind { kPosix, kMem };

// A fresh journal directory in a PosixEnv temp dir or a MemEnv.
class JournalEnvTest : public ::testing::TestWithParam<EnvKind> {
 protected:
  void SetUp() override {
    if (GetParam() == EnvKind::kMem) {
      env_ = platform::NewMemEnv();
      root_ = "/mem";
      ASSERT_TRUE(env_->CreateDirs(root_).ok());
    } else {
      env_ = platform::NewPosixEnv();
      char tmpl[] = "/tmp/rookery_journal_XXXXXX";
      ASSERT_NE(::mkdtemp(tmpl), nullptr);
      root_ = tmpl;
    }
    dir_ = root_ + "/journal";
  }
  void TearDown() override { (void)env_->RemoveAll(root_); }

  std::string Path(uint64_t number) const { return journal::JournalPath(dir_, number); }

  std::unique_ptr<platform::Env> env_;
  std::string root_;
  std::string dir_;
};

inline std::string EnvKindName(const ::testing::TestParamInfo<EnvKind>& info) {
  return info.param == EnvKind::kMem ? "Mem" : "Posix";
}

}  // namespace rookery::storage::testing

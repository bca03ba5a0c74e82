// TEMPORARY test-only stand-in for the journal (wip/journal) so the pager can be tested before it
// lands. Removed when wip/journal is merged. Not a format: entries are
// [u64 tx][u64 next_page][root 64][u32 pages]{[u64 n][u32 run][run*kPageSize]}*[u64 hash].
#include <cstdio>
#include <cstring>
#include <map>

#include "base/checksum.h"
#include "storage/journal.h"

namespace rookery::storage {
namespace {

std::string JournalName(uint64_t n) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%019llu.journal", static_cast<unsigned long long>(n));
  return buf;
}

class FakeWriter final : public JournalWriter {
 public:
  FakeWriter(platform::Env& env, std::string dir, JournalOptions o, uint64_t next_journal,
             uint64_t next_tx)
      : env_(env), dir_(std::move(dir)), opts_(o), current_(next_journal), next_tx_(next_tx) {}
  Status Open() { return OpenCurrent(); }

  Status WriteEntries(std::span<const CommitRecord* const> entries) override {
    if (!failed_.ok()) return Status::FailedState(failed_.ToString());
    std::string buf;
    for (const CommitRecord* r : entries) {
      if (r->tx_id != next_tx_) return Status::Internal("gap");
      ++next_tx_;
      std::string e(8 + 8 + 64 + 4, '\0');
      StoreU64(e.data(), r->tx_id);
      StoreU64(e.data() + 8, r->next_page);
      std::memcpy(e.data() + 16, r->root, 64);
      StoreU32(e.data() + 80, static_cast<uint32_t>(r->pages.size()));
      for (const JournalPage& p : r->pages) {
        char h[12];
        StoreU64(h, p.number);
        StoreU32(h + 8, p.run_pages);
        e.append(h, 12);
        e.append(reinterpret_cast<const char*>(p.data), size_t{p.run_pages} * kPageSize);
      }
      char hash[8];
      StoreU64(hash, Hash64(e, r->tx_id));
      e.append(hash, 8);
      buf += e;
    }
    if (offset_ > 0 && offset_ + buf.size() > opts_.initial_file_size) {
      ++current_;
      ROOKERY_RETURN_IF_ERROR(OpenCurrent());
    }
    Status s = file_->WriteAt(offset_, buf.data(), buf.size());
    if (s.ok()) s = file_->Sync();
    if (!s.ok()) {
      failed_ = s;
      return s;
    }
    offset_ += buf.size();
    last_tx_[current_] = entries.back()->tx_id;
    return Status::Ok();
  }
  uint64_t current_journal() const override { return current_; }
  uint64_t LastTxInJournal(uint64_t j) const override {
    auto it = last_tx_.find(j);
    return it == last_tx_.end() ? 0 : it->second;
  }
  Status ReleaseJournalsBefore(uint64_t j) override {
    auto names = env_.ListDir(dir_);
    if (!names.ok()) return names.status();
    for (const std::string& n : *names) {
      uint64_t num = std::strtoull(n.c_str(), nullptr, 10);
      if (num < j && num < current_) {
        ROOKERY_RETURN_IF_ERROR(env_.RemoveFile(platform::JoinPath(dir_, n)));
      }
    }
    return env_.SyncDir(dir_);
  }
  JournalWriteMode write_mode() const override { return JournalWriteMode::kWriteFdatasync; }
  uint64_t bytes_on_disk() const override { return offset_; }

 private:
  Status OpenCurrent() {
    platform::FileOptions o;
    o.create = true;
    o.truncate = true;
    ROOKERY_ASSIGN_OR_RETURN(file_,
                             env_.OpenFile(platform::JoinPath(dir_, JournalName(current_)), o));
    offset_ = 0;
    return env_.SyncDir(dir_);
  }
  platform::Env& env_;
  std::string dir_;
  JournalOptions opts_;
  uint64_t current_;
  uint64_t next_tx_;
  std::unique_ptr<platform::File> file_;
  uint64_t offset_ = 0;
  std::map<uint64_t, uint64_t> last_tx_;
  Status failed_;
};

}  // namespace

Result<std::unique_ptr<JournalWriter>> OpenJournalWriter(platform::Env& env, const std::string& dir,
                                                         const JournalOptions& options,
                                                         uint64_t next_journal,
                                                         uint64_t next_tx_id) {
  auto w = std::make_unique<FakeWriter>(env, dir, options, next_journal, next_tx_id);
  ROOKERY_RETURN_IF_ERROR(w->Open());
  return std::unique_ptr<JournalWriter>(std::move(w));
}

Status RecoverJournals(platform::Env& env, const std::string& dir, uint64_t first_journal,
                       uint64_t last_synced_tx,
                       const std::function<Status(const RecoveredEntry&)>& apply,
                       RecoveryResult* result) {
  result->last_tx_id = last_synced_tx;
  result->next_journal = first_journal + 1;
  ROOKERY_ASSIGN_OR_RETURN(std::vector<std::string> names, env.ListDir(dir));
  uint64_t expect = last_synced_tx + 1;
  for (const std::string& name : names) {
    uint64_t num = std::strtoull(name.c_str(), nullptr, 10);
    if (num < first_journal) continue;
    result->journals_found.push_back(num);
    result->next_journal = std::max(result->next_journal, num + 1);
    ROOKERY_ASSIGN_OR_RETURN(std::string data,
                             platform::ReadFileToString(env, platform::JoinPath(dir, name)));
    size_t off = 0;
    while (off + 84 <= data.size()) {
      const char* p = data.data() + off;
      RecoveredEntry e;
      e.journal_number = num;
      e.record.tx_id = LoadU64(p);
      e.record.next_page = LoadU64(p + 8);
      std::memcpy(e.record.root, p + 16, 64);
      uint32_t count = LoadU32(p + 80);
      size_t q = off + 84;
      bool ok = true;
      for (uint32_t i = 0; i < count; ++i) {
        if (q + 12 > data.size()) {
          ok = false;
          break;
        }
        JournalPage jp;
        jp.number = LoadU64(data.data() + q);
        jp.run_pages = LoadU32(data.data() + q + 8);
        q += 12;
        if (q + size_t{jp.run_pages} * kPageSize > data.size()) {
          ok = false;
          break;
        }
        jp.data = reinterpret_cast<const uint8_t*>(data.data() + q);
        q += size_t{jp.run_pages} * kPageSize;
        e.record.pages.push_back(jp);
      }
      if (!ok || q + 8 > data.size() ||
          LoadU64(data.data() + q) != Hash64(data.data() + off, q - off, e.record.tx_id)) {
        break;
      }
      off = q + 8;
      if (e.record.tx_id <= last_synced_tx) continue;
      if (e.record.tx_id != expect)
        return Status::Corruption("gap at tx " + std::to_string(expect));
      for (const JournalPage& jp : e.record.pages) {
        ROOKERY_RETURN_IF_ERROR(VerifyPage(jp.data, jp.number, name));
      }
      ROOKERY_RETURN_IF_ERROR(apply(e));
      ++expect;
      ++result->entries_replayed;
      result->last_tx_id = e.record.tx_id;
    }
  }
  return Status::Ok();
}

}  // namespace rookery::storage

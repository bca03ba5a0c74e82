// FaultEnv's simulated power loss: builds the file system a machine would find on reboot from
// the durable images, the unsynced operations and CrashOptions (model in fault_env.h).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <set>

#include "platform/fault_env_state.h"

namespace rookery::platform {
namespace {

// Disjoint byte ranges [start, end): the unsynced bytes a crash kept, where bit rot may strike.
class RangeSet {
 public:
  void Add(uint64_t start, uint64_t end) {
    if (start >= end) return;
    Subtract(start, end);
    ranges_[start] = end;
  }
  void Subtract(uint64_t start, uint64_t end) {
    auto it = ranges_.lower_bound(start);
    if (it != ranges_.begin() && std::prev(it)->second > start) --it;
    while (it != ranges_.end() && it->first < end) {
      const uint64_t a = it->first, b = it->second;
      it = ranges_.erase(it);
      if (a < start) ranges_[a] = start;
      if (b > end) ranges_[end] = b;  // nothing else starts before b: the loop ends here
    }
  }
  uint64_t total() const {
    uint64_t sum = 0;
    for (const auto& [a, b] : ranges_) sum += b - a;
    return sum;
  }
  // The position of the n-th byte (0-based) of the set; n < total().
  uint64_t Nth(uint64_t n) const {
    for (const auto& [a, b] : ranges_) {
      if (n < b - a) return a + n;
      n -= b - a;
    }
    return 0;
  }

 private:
  std::map<uint64_t, uint64_t> ranges_;
};

// Which of `count` unsynced operations survive.
std::vector<bool> ChooseKept(FaultRng& rng, size_t count, bool strict_order, bool keep_none) {
  std::vector<bool> keep(count, false);
  if (keep_none || count == 0) return keep;
  if (strict_order) {
    const uint64_t prefix = rng.Uniform(count + 1);
    for (uint64_t i = 0; i < prefix; ++i) keep[i] = true;
  } else {
    for (size_t i = 0; i < count; ++i) keep[i] = rng.OneIn(2);
  }
  return keep;
}

// The pieces of [offset, offset + n) between absolute sector boundaries, as (start, end).
std::vector<std::pair<uint64_t, uint64_t>> SectorPieces(uint64_t offset, uint64_t n) {
  std::vector<std::pair<uint64_t, uint64_t>> pieces;
  uint64_t pos = offset;
  const uint64_t end = offset + n;
  while (pos < end) {
    const uint64_t next = std::min(end, (pos / kSectorSize + 1) * kSectorSize);
    pieces.emplace_back(pos, next);
    pos = next;
  }
  return pieces;
}

void CopyInto(std::string& image, uint64_t offset, const char* src, uint64_t n) {
  if (image.size() < offset + n) image.resize(offset + n);
  std::memcpy(image.data() + offset, src, n);
}

// The bytes the disk holds for `inode` after the crash.
std::string CrashImage(const Inode& inode, uint64_t file_seed, const CrashOptions& options) {
  FaultRng rng(file_seed);
  const std::vector<PendingOp>& ops = inode.pending;
  size_t unsynced_count = 0;
  for (const PendingOp& op : ops) unsynced_count += op.durable ? 0 : 1;
  const std::vector<bool> kept =
      ChooseKept(rng, unsynced_count, options.strict_order, options.keep_no_unsynced);
  std::vector<bool> apply(ops.size(), false);
  int64_t last_unsynced = -1;
  for (size_t i = 0, u = 0; i < ops.size(); ++i) {
    if (ops[i].durable) {
      apply[i] = true;
      continue;
    }
    apply[i] = kept[u++];
    if (apply[i]) last_unsynced = static_cast<int64_t>(i);
  }

  // Tear the last replayed unsynced write: a non-empty proper subset of its sectors lands.
  std::vector<bool> sector_kept;
  if (options.tear && last_unsynced >= 0 && ops[last_unsynced].kind == PendingOp::Kind::kWrite) {
    const PendingOp& op = ops[last_unsynced];
    const size_t pieces = SectorPieces(op.offset, op.data.size()).size();
    if (pieces >= 2 && rng.OneIn(2)) {
      size_t count = 0;
      while (count == 0 || count == pieces) {
        sector_kept.assign(pieces, false);
        count = 0;
        for (size_t p = 0; p < pieces; ++p) {
          sector_kept[p] = rng.OneIn(2);
          count += sector_kept[p] ? 1 : 0;
        }
      }
    }
  }

  std::string image = inode.durable;
  RangeSet unsynced_kept;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (!apply[i]) continue;
    const PendingOp& op = ops[i];
    switch (op.kind) {
      case PendingOp::Kind::kWrite: {
        const uint64_t end = op.offset + op.data.size();
        if (static_cast<int64_t>(i) == last_unsynced && !sector_kept.empty()) {
          const auto pieces = SectorPieces(op.offset, op.data.size());
          for (size_t p = 0; p < pieces.size(); ++p) {
            if (!sector_kept[p]) continue;
            const auto [a, b] = pieces[p];
            CopyInto(image, a, op.data.data() + (a - op.offset), b - a);
            unsynced_kept.Add(a, b);
          }
        } else {
          CopyInto(image, op.offset, op.data.data(), op.data.size());
          if (op.durable) {
            unsynced_kept.Subtract(op.offset, end);
          } else {
            unsynced_kept.Add(op.offset, end);
          }
        }
        break;
      }
      case PendingOp::Kind::kTruncate:
        image.resize(op.offset);
        unsynced_kept.Subtract(op.offset, UINT64_MAX);
        break;
      case PendingOp::Kind::kAllocate:
        if (image.size() < op.offset) image.resize(op.offset);
        break;
    }
  }

  if (options.bit_rot) {
    const uint64_t total = unsynced_kept.total();
    if (total > 0) {
      const uint64_t pos = unsynced_kept.Nth(rng.Uniform(total));
      image[pos] = static_cast<char>(image[pos] ^ (1 << rng.Uniform(8)));
    }
  }
  return image;
}

// A new inode holding the crash image of `inode`.
std::shared_ptr<Inode> RebuildFile(const Inode& inode, const std::string& path, uint64_t file_seed,
                                   const CrashOptions& options) {
  std::string image = CrashImage(inode, file_seed, options);
  auto fresh = std::make_shared<Inode>();
  Status status = fresh->live.Resize(path, image.size());
  if (!status.ok()) {
    // Only when the address space is exhausted; the harness cannot continue meaningfully.
    std::fprintf(stderr, "rookery: FaultEnv cannot rebuild %s after power loss: %s\n", path.c_str(),
                 status.ToString().c_str());
    std::abort();
  }
  if (!image.empty()) std::memcpy(fresh->live.base(), image.data(), image.size());
  fresh->durable = std::move(image);
  return fresh;
}

}  // namespace

void FaultState::PowerLoss(const CrashOptions& options) {
  const uint64_t crash_seed = MixSeed(seed, crashes);
  ++crashes;
  ++epoch;  // every handle handed out so far is now dead
  dead = false;
  power_loss_at = 0;
  locks.clear();

  // 1. Names: each directory as of its last SyncDir, plus (if asked) some of its unsynced
  // operations. Directory ids are never reused, so the seed of a directory's choices is its id.
  Tree names = durable;
  if (!options.drop_all_unsynced_dir_ops) {
    for (const auto& [dir, dir_log] : dir_ops) {
      FaultRng rng(MixSeed(crash_seed, MixSeed(dir, "dir")));
      const std::vector<bool> kept =
          ChooseKept(rng, dir_log.size(), options.strict_order, /*keep_none=*/false);
      for (size_t i = 0; i < dir_log.size(); ++i) {
        if (kept[i]) names.Apply(dir, dir_log[i]);
      }
    }
  }
  dir_ops.clear();

  // 2. Data: walk what is reachable from the roots; each surviving file (once, even under several
  // names) gets its crash image as a new inode, so old handles and maps keep the old inode and
  // never see or touch the new state. Unreachable directories and files are gone.
  Tree fresh;
  std::map<const Inode*, std::shared_ptr<Inode>> rebuilt;
  std::set<uint64_t> visited;
  auto walk = [&](auto& self, uint64_t dir, const std::string& dir_path) -> void {
    if (!visited.insert(dir).second) return;  // cannot happen (no directory renames); be safe
    auto& out = fresh.dirs[dir];
    for (const auto& [name, entry] : names.Entries(dir)) {
      const std::string path = dir_path == "." ? name : JoinPath(dir_path, name);
      if (entry.is_dir()) {
        out[name] = entry;
        self(self, entry.dir, path);
        continue;
      }
      std::shared_ptr<Inode>& slot = rebuilt[entry.file.get()];
      if (!slot) slot = RebuildFile(*entry.file, path, MixSeed(crash_seed, path), options);
      out[name] = Entry{slot, 0};
    }
  };
  walk(walk, kSlashDirId, "/");
  walk(walk, kDotDirId, ".");
  live = fresh;
  durable = std::move(fresh);
}

}  // namespace rookery::platform

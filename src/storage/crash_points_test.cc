// Crash at every named point of a scripted workload: at each test-hook call the durable state of
// the directory (journal files and headers as written, the data file as of its last fdatasync) is
// copied aside; afterwards every copy is opened and must hold exactly a prefix of the committed
// transactions that includes every one acknowledged before the crash point.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <random>

#include "storage/environment.h"
#include "storage/storage_fault_env.h"
#include "storage/storage_test_util.h"
#include "storage/transaction.h"

namespace rookery::storage {
namespace {

using testing::FillPage;
using testing::ManualOptions;
using testing::PageValue;
using testing::Root;
using Model = std::map<PageNumber, uint64_t>;

struct CrashImage {
  std::string point;
  uint64_t acked = 0;      // transactions acknowledged before the crash
  uint64_t committed = 0;  // transactions handed to the journal before the crash
  std::map<std::string, std::string> files;
};

class CrashPointsTest : public ::testing::Test {
 protected:
  CrashPointsTest() : mem_(platform::NewMemEnv()), fault_(*mem_) {
    fault_.TrackDurability("data.rookery");
  }

  void Capture(std::string_view point) {
    std::lock_guard<std::mutex> lock(mu_);
    CrashImage image;
    image.point = std::string(point);
    image.acked = acked_;
    image.committed = env_ != nullptr ? env_->Report().last_committed_tx : 0;
    for (const std::string& sub : {std::string(), std::string("journal")}) {
      const std::string d = sub.empty() ? dir_ : platform::JoinPath(dir_, sub);
      auto names = mem_->ListDir(d);
      if (!names.ok()) continue;
      for (const std::string& name : *names) {
        const std::string path = platform::JoinPath(d, name);
        auto is_dir = mem_->IsDirectory(path);
        if (!is_dir.ok() || *is_dir || name == "LOCK") continue;
        if (name == "data.rookery") {
          const std::string* durable = fault_.DurableImage(path);
          image.files[path] = durable != nullptr ? *durable : std::string();
          continue;
        }
        auto content = platform::ReadFileToString(*mem_, path);
        if (content.ok()) image.files[path] = *content;
      }
    }
    images_.push_back(std::move(image));
  }

  std::unique_ptr<platform::Env> mem_;
  testing::FaultEnv fault_;
  const std::string dir_ = "/crash/env";
  std::mutex mu_;
  std::unique_ptr<StorageEnvironment> env_;
  uint64_t acked_ = 0;
  std::vector<CrashImage> images_;
};

TEST_F(CrashPointsTest, EveryCrashPointRecoversAPrefixWithEveryAcknowledgedCommit) {
  EnvironmentOptions o = ManualOptions();
  o.journal.initial_file_size = 64 << 10;
  o.journal.max_file_size = 64 << 10;
  o.test_hook = [this](std::string_view point) {
    if (point != "journal.before_write") Capture(point);
  };
  ASSERT_TRUE(mem_->CreateDirs(dir_).ok());
  {
    auto e = StorageEnvironment::Open(fault_, dir_, o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    std::lock_guard<std::mutex> lock(mu_);
    env_ = std::move(e).value();
  }
  std::mt19937_64 rng(7);
  std::vector<Model> states{Model{}};
  std::unique_ptr<ReadTransaction> reader;
  for (int i = 1; i <= 40; ++i) {
    auto w = env_->BeginWrite();
    ASSERT_TRUE(w.ok());
    Model next = states.back();
    for (int k = 0; k < 3; ++k) {
      const uint64_t op = rng() % 10;
      if (op < 5 && !next.empty()) {
        auto it = std::next(next.begin(), static_cast<long>(rng() % next.size()));
        auto p = (*w)->ModifyPage(it->first);
        ASSERT_TRUE(p.ok());
        it->second = rng() >> 8;
        FillPage(*p, it->first, it->second);
      } else if (op < 8 || next.empty()) {
        auto p = (*w)->AllocatePages(1);
        const PageNumber n = PageNumberOf(*p);
        next[n] = rng() >> 8;
        FillPage(*p, n, next[n]);
      } else {
        auto it = std::next(next.begin(), static_cast<long>(rng() % next.size()));
        ASSERT_TRUE((*w)->FreePage(it->first).ok());
        next.erase(it);
      }
    }
    (*w)->set_root_record(Root(static_cast<uint64_t>(i)));
    ASSERT_TRUE((*w)->Commit().ok());
    states.push_back(std::move(next));
    {
      std::lock_guard<std::mutex> lock(mu_);
      acked_ = static_cast<uint64_t>(i);
    }
    Capture("after_commit");
    if (i % 9 == 3) reader = std::move(env_->BeginRead()).value();
    if (i % 9 == 7) reader.reset();
    if (i % 4 == 0) {
      ASSERT_TRUE(env_->FlushNow().ok());
    }
    if (i % 6 == 0) {
      ASSERT_TRUE(env_->SyncNow().ok());
    }
  }
  reader.reset();
  {
    std::lock_guard<std::mutex> lock(mu_);
    env_.reset();
  }
  ASSERT_GT(images_.size(), 80u);

  std::map<std::string, int> points;
  for (const CrashImage& image : images_) {
    SCOPED_TRACE("crash at " + image.point + " with " + std::to_string(image.acked) +
                 " acknowledged");
    ++points[image.point];
    auto env = platform::NewMemEnv();
    ASSERT_TRUE(env->CreateDirs(platform::JoinPath(dir_, "journal")).ok());
    for (const auto& [path, content] : image.files) {
      platform::FileOptions fo;
      fo.create = true;
      auto f = env->OpenFile(path, fo);
      ASSERT_TRUE(f.ok());
      ASSERT_TRUE((*f)->WriteAt(0, content.data(), content.size()).ok());
    }
    auto e = StorageEnvironment::Open(*env, dir_, ManualOptions());
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    const uint64_t last = (*e)->Report().last_durable_tx;
    EXPECT_GE(last, image.acked);
    EXPECT_LE(last, image.committed);
    auto r = (*e)->BeginRead();
    ASSERT_EQ(LoadU64((*r)->root_record().data()), last);
    for (const auto& [n, v] : states[last]) {
      auto p = (*r)->GetPage(n);
      ASSERT_TRUE(p.ok()) << p.status().ToString();
      ASSERT_EQ(PageValue(*p, n), v) << "page " << n;
    }
    const StorageReport rep = (*e)->Report();
    EXPECT_EQ(states[last].size() + rep.free_pages + rep.free_space_pages, rep.next_page);
  }
  for (const auto& [point, count] : points)
    std::printf("crash point %s: %d\n", point.c_str(), count);
}

}  // namespace
}  // namespace rookery::storage

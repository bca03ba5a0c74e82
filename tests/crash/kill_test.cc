// Real processes (testing.md §2.3 layer B): a writer under load is killed with SIGKILL at random
// moments, 100 times; after every kill the store is reopened (recovering from the journal) and
// every commit the writer acknowledged — logged to a side file after Commit returned — must be
// there, with no hole and nothing never attempted.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

namespace {

const std::string kWriter = KILL_WRITER_BINARY;

int RunToExit(const std::vector<std::string>& args, std::string* out) {
  std::string cmd = kWriter;
  for (const auto& a : args) cmd += " '" + a + "'";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[512];
  out->clear();
  while (std::fgets(buf, sizeof(buf), p)) *out += buf;
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(KillTest, AcknowledgedCommitsSurviveSigkill) {
  char tmpl[] = "/tmp/rookery-kill-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string root = tmpl;
  const std::string dir = root + "/env";
  const std::string acks = root + "/acks";
  const uint64_t seed = std::random_device{}();
  std::mt19937_64 rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
#ifdef ROOKERY_SANITIZED
  const int kCycles = 20;
#else
  const int kCycles = 100;
#endif
  std::string out;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    const int threads = 1 + static_cast<int>(rng() % 4);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::execl(kWriter.c_str(), kWriter.c_str(), "write", dir.c_str(), acks.c_str(),
              std::to_string(cycle).c_str(), std::to_string(threads).c_str(), nullptr);
      ::_exit(127);
    }
    // Random moment: sometimes during start-up/recovery, mostly under load.
    const int ms =
        rng() % 5 == 0 ? static_cast<int>(rng() % 20) : 20 + static_cast<int>(rng() % 250);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, WNOHANG), 0)
        << "writer exited early in cycle " << cycle << " (status " << status << ")";
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    const int rc = RunToExit({"verify", dir, acks}, &out);
    ASSERT_EQ(rc, 0) << "after kill " << cycle << " (" << ms << " ms, " << threads
                     << " threads): " << out;
  }
  std::printf("kill test: %d kills, final %s", kCycles, out.c_str());
  std::filesystem::remove_all(root);
}

}  // namespace

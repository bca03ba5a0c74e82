// The real `rookery serve` process: banner, /build/version, settings sources, RavenDB keys,
// shutdown paths, HTTP error shapes and limits.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "test_process.h"

namespace rookery::testing {
namespace {

namespace fs = std::filesystem;

const std::string kBinary = ROOKERY_BINARY;

TEST(ServeTest, PrintsBannerAnswersBuildVersionAndStopsOnSigterm) {
  TempDir dir;
  ServerProcess p(kBinary, {"serve", "--port", "0", "--data-dir", dir.path() + "/d"}, dir.path());
  const std::string url = p.WaitForUrl();
  ASSERT_FALSE(url.empty()) << p.Stderr();
  EXPECT_TRUE(url.starts_with("http://127.0.0.1:")) << url;
  EXPECT_NE(p.port(), 0);
  EXPECT_TRUE(fs::is_directory(dir.path() + "/d"));

  HttpConnection c(p.port());
  HttpReply r = c.Request("GET", "/build/version");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"BuildVersion\":70000"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"ProductVersion\":\"7.0\""), std::string::npos);
  EXPECT_NE(r.body.find("\"FullVersion\":\"7.0.0\""), std::string::npos);
  EXPECT_NE(r.body.find("\"CommitHash\":\""), std::string::npos);
  EXPECT_NE(r.headers.find("Raven-Server-Version: 7.0.0"), std::string::npos);
  // Keep-alive: a second request on the same connection.
  EXPECT_EQ(c.Request("GET", "/build/version").status, 200);

  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(), 0) << p.Stderr();
}

TEST(ServeTest, ShutdownOnStdinExitsCleanly) {
  TempDir dir;
  ServerProcess p(kBinary, {"serve", "--port", "0", "--data-dir", "d"}, dir.path());
  ASSERT_FALSE(p.WaitForUrl().empty()) << p.Stderr();
  p.WriteStdin("shutdown\n");
  EXPECT_EQ(p.Wait(), 0) << p.Stderr();
  EXPECT_NE(p.Stderr().find("shutdown requested"), std::string::npos);
}

TEST(ServeTest, SigintStopsTooAndTheDataDirectoryIsReusable) {
  TempDir dir;
  for (int round = 0; round < 2; ++round) {
    ServerProcess p(kBinary, {"serve", "--port", "0", "--data-dir", "d"}, dir.path());
    ASSERT_FALSE(p.WaitForUrl().empty()) << p.Stderr();
    p.Signal(SIGINT);
    EXPECT_EQ(p.Wait(), 0) << p.Stderr();
  }
}

TEST(ServeTest, RavenDbArgumentsInMemoryAndIgnoredKeysLogged) {
  TempDir dir;
  ServerProcess p(kBinary,
                  {"serve", "--ServerUrl=http://127.0.0.1:0", "--RunInMemory=true",
                   "--Setup.Mode=None", "--Logs.Mode=Information"},
                  dir.path());
  ASSERT_FALSE(p.WaitForUrl().empty()) << p.Stderr();
  EXPECT_EQ(HttpConnection(p.port()).Request("GET", "/build/version").status, 200);
  p.WriteStdin("shutdown\n");
  EXPECT_EQ(p.Wait(), 0);
  const std::string err = p.Stderr();
  EXPECT_NE(err.find("ignoring setting Setup.Mode"), std::string::npos) << err;
  EXPECT_NE(err.find("in memory"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir.path() + "/data")) << "RunInMemory must not touch the disk";
}

TEST(ServeTest, SettingsJsonAndEnvironmentWithCommandLineWinning) {
  TempDir dir;
  {
    std::ofstream f(dir.path() + "/settings.json");
    f << R"({"ServerUrl": "http://127.0.0.1:0", "DataDir": "from-file", "Logs.Mode": "Information"})";
  }
  {
    ServerProcess p(kBinary, {"serve"}, dir.path());
    ASSERT_FALSE(p.WaitForUrl().empty()) << p.Stderr();
    p.Signal(SIGTERM);
    EXPECT_EQ(p.Wait(), 0);
    EXPECT_TRUE(fs::is_directory(dir.path() + "/from-file"));
  }
  {
    ServerProcess p(kBinary, {"serve"}, dir.path(), {"ROOKERY_DATA_DIR=from-env"});
    ASSERT_FALSE(p.WaitForUrl().empty()) << p.Stderr();
    p.Signal(SIGTERM);
    EXPECT_EQ(p.Wait(), 0);
    EXPECT_TRUE(fs::is_directory(dir.path() + "/from-env"));
  }
  {
    ServerProcess p(kBinary, {"serve", "--data-dir", "from-cli"}, dir.path(),
                    {"ROOKERY_DATA_DIR=from-env"});
    ASSERT_FALSE(p.WaitForUrl().empty()) << p.Stderr();
    p.Signal(SIGTERM);
    EXPECT_EQ(p.Wait(), 0);
    EXPECT_TRUE(fs::is_directory(dir.path() + "/from-cli"));
  }
}

TEST(ServeTest, BadSettingIsAClearErrorNotACrash) {
  TempDir dir;
  ServerProcess p(kBinary, {"serve", "--ServerUrl=ftp://nowhere"}, dir.path());
  EXPECT_EQ(p.WaitForUrl(std::chrono::seconds(10)), "");
  EXPECT_EQ(p.Wait(), 2);
  EXPECT_NE(p.Stderr().find("ServerUrl"), std::string::npos) << p.Stderr();
}

TEST(ServeTest, SecondServerOnTheSameDataDirectoryIsRefused) {
  TempDir dir;
  ServerProcess first(kBinary, {"serve", "--port", "0", "--data-dir", "d"}, dir.path());
  ASSERT_FALSE(first.WaitForUrl().empty());
  ServerProcess second(kBinary, {"serve", "--port", "0", "--data-dir", "d"}, dir.path());
  EXPECT_EQ(second.WaitForUrl(std::chrono::seconds(10)), "");
  EXPECT_EQ(second.Wait(), 1);
  EXPECT_NE(second.Stderr().find("in use"), std::string::npos) << second.Stderr();
  first.Signal(SIGTERM);
  EXPECT_EQ(first.Wait(), 0);
}

TEST(ServeTest, UnknownRouteAndWrongMethodAreRouteNotFound) {
  TempDir dir;
  ServerProcess p(kBinary, {"serve", "--port", "0", "--in-memory"}, dir.path());
  ASSERT_FALSE(p.WaitForUrl().empty());
  HttpConnection c(p.port());
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/no/such/route"}, {"DELETE", "/build/version"}, {"RESET", "/x"}}) {
    HttpReply r = c.Request(method, path);
    EXPECT_EQ(r.status, 400) << method << " " << path;
    EXPECT_NE(r.body.find("\"Type\":\"Raven.Server.Routing.RouteNotFoundException\""),
              std::string::npos)
        << r.body;
    EXPECT_NE(r.body.find("\"Url\":"), std::string::npos);
    EXPECT_NE(r.body.find("\"Message\":"), std::string::npos);
    EXPECT_NE(r.body.find("\"Error\":"), std::string::npos);
  }
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(), 0);
}

TEST(ServeTest, BodyOverTheLimitIs413AndTheServerStaysUp) {
  TempDir dir;
  ServerProcess p(kBinary,
                  {"serve", "--port", "0", "--in-memory", "--Http.MaxRequestBodySizeInMb=1"},
                  dir.path());
  ASSERT_FALSE(p.WaitForUrl().empty());
  {
    HttpConnection c(p.port());
    HttpReply r = c.Request("PUT", "/build/version", std::string(2 << 20, 'x'));
    EXPECT_EQ(r.status, 413);
    EXPECT_NE(r.body.find("exceeds the limit"), std::string::npos) << r.body;
  }
  {
    HttpConnection c(p.port());
    HttpReply r =
        c.Request("GET", "/build/version", "", "X-Junk: " + std::string(100000, 'h') + "\r\n");
    EXPECT_EQ(r.status, 431);  // header block over the limit
  }
  HttpConnection c(p.port());
  EXPECT_EQ(c.Request("GET", "/build/version").status, 200);
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(), 0);
}

TEST(ServeTest, HelpAndVersion) {
  TempDir dir;
  ServerProcess v(kBinary, {"--version"}, dir.path());
  EXPECT_EQ(v.Wait(), 0);
  ServerProcess h(kBinary, {"serve", "--help"}, dir.path());
  EXPECT_EQ(h.Wait(), 0);
  ServerProcess bad(kBinary, {"serve", "--no-such-flag"}, dir.path());
  EXPECT_NE(bad.Wait(), 0);
}

}  // namespace
}  // namespace rookery::testing

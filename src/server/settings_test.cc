#include "server/settings.h"

#include <gtest/gtest.h>

namespace rookery::server {
namespace {

TEST(SettingsTest, DefaultsServeLoopback8080IntoData) {
  Settings s;
  EXPECT_EQ(s.Url(), "http://127.0.0.1:8080");
  EXPECT_EQ(s.data_dir, "data");
  EXPECT_FALSE(s.in_memory);
}

TEST(SettingsTest, RavenServerUrlSetsBindAndPort) {
  Settings s;
  SettingsBuilder b(&s);
  ASSERT_TRUE(b.Apply("ServerUrl", "http://127.0.0.1:0", "test").ok());
  EXPECT_EQ(s.bind, "127.0.0.1");
  EXPECT_EQ(s.port, 0);
  ASSERT_TRUE(b.Apply("serverurl", "http://localhost:9090/", "test").ok());
  EXPECT_EQ(s.bind, "127.0.0.1");
  EXPECT_EQ(s.port, 9090);
  ASSERT_TRUE(b.Apply("ServerUrl", "http://[::1]:7000", "test").ok());
  EXPECT_EQ(s.Url(), "http://[::1]:7000");
}

TEST(SettingsTest, BadValuesNameKeyValueAndSource) {
  Settings s;
  SettingsBuilder b(&s);
  Status st = b.Apply("ServerUrl", "https://a:1", "settings.json");
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_NE(st.message().find("settings.json"), std::string_view::npos);
  EXPECT_NE(st.message().find("TLS"), std::string_view::npos);
  EXPECT_FALSE(b.Apply("Port", "70000", "cli").ok());
  EXPECT_FALSE(b.Apply("RunInMemory", "maybe", "cli").ok());
  EXPECT_FALSE(b.Apply("Logs.Mode", "Chatty", "cli").ok());
}

TEST(SettingsTest, JsonFileFlatAndNestedKeys) {
  Settings s;
  SettingsBuilder b(&s);
  ASSERT_TRUE(b.ApplyJsonFile(R"({"ServerUrl":"http://127.0.0.1:8123","DataDir":"/tmp/x",
      "RunInMemory":true,"Logs":{"Mode":"Operations"},"Setup.Mode":"None",
      "Http.MaxRequestBodySizeInMb":2})",
                              "settings.json")
                  .ok());
  EXPECT_EQ(s.port, 8123);
  EXPECT_EQ(s.data_dir, "/tmp/x");
  EXPECT_TRUE(s.in_memory);
  EXPECT_EQ(s.log_level, log::Level::kWarn);
  EXPECT_EQ(s.max_body_bytes, 2u << 20);
  ASSERT_EQ(s.ignored.size(), 1u);
  EXPECT_EQ(s.ignored[0], "Setup.Mode (from settings.json)");
  EXPECT_EQ(s.origin["data_dir"], "settings.json");
}

TEST(SettingsTest, InvalidJsonFileIsAClearError) {
  Settings s;
  SettingsBuilder b(&s);
  Status st = b.ApplyJsonFile("{\"ServerUrl\": ", "my.json");
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_NE(st.message().find("my.json"), std::string_view::npos);
  EXPECT_FALSE(b.ApplyJsonFile("[1,2]", "arr.json").ok());
}

TEST(SettingsTest, EnvironmentOursAndRavens) {
  Settings s;
  SettingsBuilder b(&s);
  ASSERT_TRUE(b.ApplyEnvironment({"ROOKERY_PORT=9000", "RAVEN_DataDir=/srv/raven",
                                  "RAVEN_Logs_Mode=None", "PATH=/usr/bin", "RAVEN_Setup_Mode=None"})
                  .ok());
  EXPECT_EQ(s.port, 9000);
  EXPECT_EQ(s.data_dir, "/srv/raven");
  EXPECT_EQ(s.log_level, log::Level::kOff);
  ASSERT_EQ(s.ignored.size(), 1u);
  EXPECT_NE(s.ignored[0].find("Setup.Mode"), std::string::npos);
}

TEST(SettingsTest, PrecedenceLaterSourceWins) {
  Settings s;
  SettingsBuilder b(&s);
  ASSERT_TRUE(b.ApplyJsonFile(R"({"DataDir":"from-file","ServerUrl":"http://127.0.0.1:1"})",
                              "settings.json")
                  .ok());
  ASSERT_TRUE(b.ApplyEnvironment({"ROOKERY_DATA_DIR=from-env"}).ok());
  ASSERT_TRUE(b.Apply("DataDir", "from-cli", "command line").ok());
  EXPECT_EQ(s.data_dir, "from-cli");
  EXPECT_EQ(s.port, 1);  // only the file set it
  EXPECT_EQ(s.origin["data_dir"], "command line");
  EXPECT_EQ(s.origin["port"], "settings.json");
}

TEST(SettingsTest, ExtractRavenArgsLeavesOurOptions) {
  std::vector<std::string> args = {
      "serve",       "--port", "0", "--ServerUrl=http://127.0.0.1:0", "--Setup.Mode=None",
      "--data-dir=x"};
  auto raven = ExtractRavenArgs(&args);
  ASSERT_EQ(raven.size(), 2u);
  EXPECT_EQ(raven[0].first, "ServerUrl");
  EXPECT_EQ(raven[0].second, "http://127.0.0.1:0");
  EXPECT_EQ(raven[1].first, "Setup.Mode");
  EXPECT_EQ(args, (std::vector<std::string>{"serve", "--port", "0", "--data-dir=x"}));
}

TEST(SettingsTest, BusyPollMicroseconds) {
  Settings s;
  EXPECT_EQ(s.busy_poll_micros, 100u);
  SettingsBuilder b(&s);
  ASSERT_TRUE(b.Apply("Http.BusyPollMicroseconds", "0", "test").ok());
  EXPECT_EQ(s.busy_poll_micros, 0u);
  ASSERT_TRUE(b.Apply("http.busypollmicroseconds", "250", "test").ok());
  EXPECT_EQ(s.busy_poll_micros, 250u);
  Status st = b.Apply("Http.BusyPollMicroseconds", "20000", "cli");
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_NE(st.message().find("Http.BusyPollMicroseconds"), std::string_view::npos);
  EXPECT_EQ(s.busy_poll_micros, 250u);
}

}  // namespace
}  // namespace rookery::server

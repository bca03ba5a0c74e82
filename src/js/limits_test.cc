// Time and heap limits: a runaway script is stopped with a clear status and the runtime stays
// usable.
#include <gtest/gtest.h>

#include "js/js_test_util.h"

namespace rookery::js {
namespace {

using Strings = std::vector<std::string>;

TEST(JsLimits, TimeLimitStopsAnEndlessLoop) {
  RuntimeOptions options;
  options.time_limit = std::chrono::milliseconds(100);
  auto runtime = MakeRuntime(options);
  auto program =
      MustCompile(runtime.get(),
                  {{"map('A', d => { if (d.spin) { while (true) {} } return { ok: d.n }; })"}, ""});
  ASSERT_NE(program, nullptr);
  for (int round = 0; round < 2; ++round) {
    Result<MapOutput> out = program->RunMap({"A", "a/1", R"({"spin":true})"}, nullptr);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.status().code(), Code::kTimeout) << out.status().ToString();
    EXPECT_NE(out.status().ToString().find("map of 'A' ran longer than the time limit of 100 ms"),
              std::string::npos)
        << out.status().ToString();
    // The next call runs normally.
    EXPECT_EQ(MapJson(program.get(), "A", R"({"n":1})"), Strings{R"({"ok":1})"});
  }
  // A definition whose top level never ends is stopped too.
  Result<std::unique_ptr<IndexProgram>> endless = runtime->Compile({{"for (;;) {}"}, ""});
  ASSERT_FALSE(endless.ok());
  EXPECT_EQ(endless.status().code(), Code::kTimeout);
}

TEST(JsLimits, HeapLimitStopsAnAllocationLoop) {
  RuntimeOptions options;
  options.heap_limit_bytes = size_t{32} << 20;
  options.time_limit = std::chrono::milliseconds(0);  // only the heap limit can stop it
  auto runtime = MakeRuntime(options);
  auto program = MustCompile(runtime.get(), {{"map('A', d => { if (d.hog) { const a = []; for (let "
                                              "i = 0;; i++) a.push({ i, s: 'x' + i }); }"
                                              " return { ok: d.n }; })"},
                                             ""});
  ASSERT_NE(program, nullptr);
  for (int round = 0; round < 2; ++round) {
    Result<MapOutput> out = program->RunMap({"A", "a/1", R"({"hog":true})"}, nullptr);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.status().code(), Code::kNoSpace) << out.status().ToString();
    EXPECT_NE(out.status().ToString().find("exceeded the JavaScript heap limit of 32 MiB"),
              std::string::npos)
        << out.status().ToString();
    EXPECT_EQ(MapJson(program.get(), "A", R"({"n":2})"), Strings{R"({"ok":2})"});
    EXPECT_LT(runtime->HeapUsedBytes(), size_t{32} << 20);
  }
}

TEST(JsLimits, DeepRecursionIsAnErrorNotACrash) {
  auto runtime = MakeRuntime();
  auto program = MustCompile(runtime.get(),
                             {{"const f = n => f(n + 1) + 1; map('A', d => ({ v: f(0) }))"}, ""});
  ASSERT_NE(program, nullptr);
  Result<MapOutput> out = program->RunMap({"A", "a/1", "{}"}, nullptr);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().ToString().find("Maximum call stack size exceeded"), std::string::npos)
      << out.status().ToString();
}

TEST(JsLimits, TooSmallHeapLimitIsRefused) {
  RuntimeOptions options;
  options.heap_limit_bytes = 1 << 20;
  EXPECT_EQ(NewRuntime(options).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace rookery::js

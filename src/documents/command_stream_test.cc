// Database::ExecuteStreaming: commands appended while the merger already executes earlier ones.
#include "documents/command_stream.h"

#include <string>
#include <thread>
#include <vector>

#include "documents/database_test_util.h"

namespace rookery::documents {
namespace {

constexpr std::string_view kOrder = R"({"Total":5,"@metadata":{"@collection":"Orders"}})";

TEST(CommandStreamTest, ReaderWaitsForChunksUntilClosed) {
  CommandStream stream;
  std::thread producer([&] {
    for (int c = 0; c < 3; ++c) {
      std::vector<Command> chunk;
      chunk.push_back(Del("orders/" + std::to_string(c)));
      stream.Append(std::move(chunk));
      std::this_thread::yield();
    }
    stream.Append({});  // empty chunks are not chunks
    stream.Close(true);
  });
  std::vector<std::string> ids;
  for (size_t c = 0;; ++c) {
    const std::vector<Command>* chunk = stream.Chunk(c);
    if (chunk == nullptr) break;
    for (const Command& command : *chunk) ids.push_back(std::get<DeleteCommand>(command).id);
  }
  producer.join();
  EXPECT_EQ(ids, (std::vector<std::string>{"orders/0", "orders/1", "orders/2"}));
  EXPECT_FALSE(stream.failed());
  // Chunks stay readable (a merged transaction may be re-run).
  ASSERT_NE(stream.Chunk(2), nullptr);
  EXPECT_EQ(stream.Chunk(3), nullptr);
}

// Chunks produced one by one end up as one atomic batch, results in command order, as Execute.
TEST_F(DatabaseTest, ExecuteStreamingWritesEveryChunkInOrder) {
  PutOne("orders/0", kOrder);
  CommandStream stream;
  auto r = db_->ExecuteStreaming(stream, [&] {
    for (int c = 0; c < 10; ++c) {
      std::vector<Command> chunk;
      for (int i = 1; i <= 7; ++i)
        chunk.push_back(Put("orders/" + std::to_string(c * 7 + i), kOrder));
      stream.Append(std::move(chunk));
    }
    std::vector<Command> last;
    last.push_back(Del("orders/0"));
    stream.Append(std::move(last));
    stream.Close(true);
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 71u);
  for (int i = 0; i < 70; ++i) {
    EXPECT_EQ(std::get<PutResult>((*r)[i]).id, "orders/" + std::to_string(i + 1));
  }
  EXPECT_TRUE(std::get<DeleteResult>((*r)[70]).deleted);
  EXPECT_FALSE(Get("orders/0").has_value());
  EXPECT_TRUE(Get("orders/70").has_value());
  DatabaseStats s = Stats();
  EXPECT_EQ(s.documents, 70u);
  EXPECT_EQ(s.last_etag, 72u);  // one put before, 70 puts and a tombstone
}

// A failing command anywhere fails the whole batch; a producer that gives up does too (with
// kInvalidArgument and stream.failed()), even after the merger executed earlier chunks.
TEST_F(DatabaseTest, ExecuteStreamingIsAtomic) {
  PutOne("orders/9", kOrder);
  const uint64_t etag = Stats().last_etag;
  {
    CommandStream stream;
    auto r = db_->ExecuteStreaming(stream, [&] {
      std::vector<Command> chunk;
      chunk.push_back(Put("orders/1", kOrder));
      stream.Append(std::move(chunk));
      chunk = {};
      chunk.push_back(Put("orders/9", kOrder, "A:1-no"));
      stream.Append(std::move(chunk));
      stream.Close(true);
    });
    EXPECT_EQ(r.status().code(), Code::kConflict) << r.status().ToString();
    EXPECT_FALSE(stream.failed());
  }
  {
    CommandStream stream;
    auto r = db_->ExecuteStreaming(stream, [&] {
      std::vector<Command> chunk;
      chunk.push_back(Put("orders/2", kOrder));
      stream.Append(std::move(chunk));
      stream.Close(false);
    });
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status().ToString();
    EXPECT_TRUE(stream.failed());
  }
  {
    // A producer that forgets to close: closed for it once it returns.
    CommandStream stream;
    auto r = db_->ExecuteStreaming(stream, [&] {
      std::vector<Command> chunk;
      chunk.push_back(Put("orders/3", kOrder));
      stream.Append(std::move(chunk));
    });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
  }
  EXPECT_FALSE(Get("orders/1").has_value());
  EXPECT_FALSE(Get("orders/2").has_value());
  EXPECT_TRUE(Get("orders/3").has_value());
  EXPECT_EQ(Stats().last_etag, etag + 1);
}

}  // namespace
}  // namespace rookery::documents

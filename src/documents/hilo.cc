// HiLo ranges (protocol.md §7.7): state in the document "Raven/Hilo/<tag>", field Max,
// collection "@hilo". Reads and writes of that document go through the merger like any PUT.
#include <algorithm>
#include <cmath>

#include "documents/database_impl.h"
#include "documents/ids.h"
#include "json/value.h"

namespace rookery::documents {
namespace {

constexpr uint64_t kMinCapacity = 32;
constexpr uint64_t kMaxCapacity = 1024 * 1024;
constexpr int64_t kGrowWithinMicros = 30 * 1000000LL;
constexpr int64_t kShrinkAfterMicros = 60 * 1000000LL;

std::string HiLoId(std::string_view tag) {
  return "Raven/Hilo/" + std::string(tag);
}

// RavenDB's capacity rules from the time of the previous range.
uint64_t Capacity(const HiLoRequest& request, uint64_t now_micros) {
  const uint64_t last = request.last_batch_size;
  std::optional<int64_t> at = ParseDate(request.last_range_at);
  if (!at.has_value()) return std::max(kMinCapacity, last);
  const int64_t elapsed = static_cast<int64_t>(now_micros) - *at;
  if (elapsed < kGrowWithinMicros) {
    const uint64_t doubled = last > kMaxCapacity ? kMaxCapacity : 2 * last;
    return std::min(std::max(kMinCapacity, doubled), kMaxCapacity);
  }
  if (elapsed > kShrinkAfterMicros) return std::max(kMinCapacity, last / 2);
  return std::max(kMinCapacity, last);
}

uint64_t MaxOf(const json::Value& doc) {
  const json::Value* max = doc.Find("Max");
  if (max == nullptr) return 0;
  switch (max->type()) {
    case json::Type::kInt:
      return max->as_int() > 0 ? static_cast<uint64_t>(max->as_int()) : 0;
    case json::Type::kUint:
      return max->as_uint();
    case json::Type::kDouble: {
      double d = max->as_double();
      if (!(d > 0)) return 0;
      if (d >= 18446744073709551615.0) return UINT64_MAX;
      return static_cast<uint64_t>(std::floor(d));
    }
    default:
      return 0;
  }
}

// Loads the HiLo document; nullopt when it does not exist.
Result<std::optional<json::Value>> LoadHiLo(WriteContext& ctx, const std::string& id) {
  StoredDocument stored;
  ROOKERY_ASSIGN_OR_RETURN(bool found, ctx.LoadDocument(Lower(id), &stored));
  if (!found) return std::optional<json::Value>();
  auto parsed = json::Parse(stored.record.json);
  if (!parsed.ok()) return parsed.status().WithContext("stored HiLo document " + id);
  return std::optional<json::Value>(std::move(parsed).value());
}

Status StoreMax(WriteContext& ctx, const std::string& id, std::optional<json::Value> doc,
                uint64_t max) {
  PutCommand put;
  put.id = id;
  if (doc.has_value()) {
    put.document = std::move(*doc);  // keeps the client's fields and metadata (collection)
  } else {
    put.document = json::Value::Object(
        {{"@metadata", json::Value::Object({{"@collection", json::Value::String("@hilo")}})}});
  }
  put.document.Set("Max", json::Value::Uint(max));
  return ExecutePut(ctx, put).status();
}

Status ValidateTag(std::string_view tag) {
  if (tag.empty()) return Status::InvalidArgument("HiLo needs a non-empty tag");
  if (tag.size() + 11 > kMaxIdSize) {
    return Status::InvalidArgument("HiLo tag of " + std::to_string(tag.size()) +
                                   " bytes is too long");
  }
  return Status::Ok();
}

}  // namespace

Result<HiLoRange> DatabaseImpl::NextHiLo(const HiLoRequest& request) {
  ROOKERY_RETURN_IF_ERROR(ValidateTag(request.tag));
  const std::string id = HiLoId(request.tag);
  HiLoRange range;
  Status s = merger_->Execute([&](MergedTransaction& txn) -> Status {
    auto& ctx = static_cast<WriteContext&>(txn);
    const uint64_t now = info_.env->NowMicros();
    const uint64_t capacity = Capacity(request, now);
    ROOKERY_ASSIGN_OR_RETURN(auto doc, LoadHiLo(ctx, id));
    const uint64_t old_max = std::max(doc.has_value() ? MaxOf(*doc) : 0, request.last_max);
    if (old_max > UINT64_MAX - capacity) {
      return Status::InvalidArgument("HiLo range of tag '" + request.tag +
                                     "' would pass the largest 64-bit number");
    }
    range.prefix = request.tag + (request.separator.empty() ? "/" : request.separator);
    range.low = old_max + 1;
    range.high = old_max + capacity;
    range.last_size = capacity;
    range.server_tag = info_.node_tag;
    range.last_range_at = FormatDate(now);
    return StoreMax(ctx, id, std::move(doc), range.high);
  });
  if (!s.ok()) return s;
  return range;
}

Status DatabaseImpl::ReturnHiLo(std::string_view tag, uint64_t end, uint64_t last) {
  ROOKERY_RETURN_IF_ERROR(ValidateTag(tag));
  const std::string id = HiLoId(tag);
  return merger_->Execute([&](MergedTransaction& txn) -> Status {
    auto& ctx = static_cast<WriteContext&>(txn);
    ROOKERY_ASSIGN_OR_RETURN(auto doc, LoadHiLo(ctx, id));
    if (!doc.has_value()) return Status::Ok();
    const uint64_t max = MaxOf(*doc);
    if (max != end || last > max) return Status::Ok();  // someone took a newer range
    return StoreMax(ctx, id, std::move(doc), last);
  });
}

}  // namespace rookery::documents

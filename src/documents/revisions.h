// Revisions: the configuration that decides which writes keep history, and the types of revision
// reads and of a revert to a point in time. Storage: docs/formats/revisions.md; behaviour and the
// revert's design: docs/design/revisions.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "json/value.h"

namespace rookery::documents {

// The settings of one collection (or the default), RavenDB's RevisionsCollectionConfiguration.
struct CollectionRevisionsConfig {
  bool disabled = false;
  std::optional<uint64_t> minimum_revisions_to_keep;
  std::optional<uint64_t> minimum_revision_age_micros;  // MinimumRevisionAgeToKeep
  bool purge_on_delete = false;
  std::optional<uint64_t> maximum_revisions_to_delete_upon_update;
};

struct RevisionsConfig {
  std::optional<CollectionRevisionsConfig> default_config;
  // By lowered collection name: the name as written and its settings.
  std::map<std::string, std::pair<std::string, CollectionRevisionsConfig>> collections;

  // The settings that apply to `collection` (case-insensitive), or nullptr when its writes keep
  // no revisions (no entry and no default, or Disabled).
  const CollectionRevisionsConfig* For(std::string_view collection) const;
};

// Parses RavenDB's RevisionsConfiguration JSON ({"Default":{..},"Collections":{"Users":{..}}}).
// Unknown members are ignored; wrong types, negative counts and malformed TimeSpans are
// kInvalidArgument naming the member.
Result<RevisionsConfig> ParseRevisionsConfig(const json::Value& value);
// The canonical JSON (docs/formats/revisions.md), which ParseRevisionsConfig reads back.
json::Value RevisionsConfigToJson(const RevisionsConfig& config);

// .NET TimeSpan text "[-][d.]hh:mm:ss[.fffffff]" <-> microseconds (non-negative only).
std::optional<uint64_t> ParseTimeSpan(std::string_view text);
std::string FormatTimeSpan(uint64_t micros);

// POST /revisions/revert: take every revisioned document back to its state at `time_micros`.
struct RevertRequest {
  int64_t time_micros = 0;                              // UTC, microseconds since the epoch
  uint64_t window_micros = 4ull * 24 * 3600 * 1000000;  // how far before `time` the scan goes
  std::vector<std::string> collections;                 // empty = every collection
  bool dry_run = false;
  size_t batch_size = 64;       // documents per merged write transaction
  size_t max_listed_ids = 100;  // ids reported in RevertResult::ids
};

struct RevertCollectionCount {
  uint64_t restored = 0;  // put back to an older version (or re-created)
  uint64_t deleted = 0;   // created after the point: deleted
};

struct RevertResult {
  uint64_t scanned = 0;   // revisions read by the scan
  uint64_t reverted = 0;  // documents changed (or, in a dry run, that would be)
  // Documents left alone: already as they were at the point, history trimmed too far, or
  // changed by a client after the revert started (the client's write wins).
  uint64_t skipped = 0;
  uint64_t skipped_concurrent = 0;       // of `skipped`: written by someone else during the revert
  uint64_t skipped_missing_history = 0;  // of `skipped`: no revision at or before the point
  std::map<std::string, RevertCollectionCount> collections;  // by collection name
  std::vector<std::string> ids;  // the first max_listed_ids documents changed
  uint64_t start_etag = 0;       // the database's last etag when the revert started
};

}  // namespace rookery::documents

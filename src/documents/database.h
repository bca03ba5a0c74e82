// Database: one RavenDB-style document database on its own storage environment.
//
// Documents are JSON objects with an "@metadata" object, identified by an id that is compared
// case-insensitively and stored with its original casing. Each write gets the next etag of the
// database's sequence and a change vector "<node>:<etag>-<database id>". Deletes leave tombstones.
// Collections come from "@metadata.@collection" ("@empty" when absent). Byte layout of what is
// stored: docs/formats/documents.md.
//
// Writes: every write goes through one transaction merger (architecture.md habit 4): concurrent
// callers' batches are executed together in one storage transaction and share one journal write.
// A batch is atomic: if any of its commands fails (e.g. a change-vector mismatch), none of its
// effects is visible and other callers' batches merged with it are unaffected. A write returns
// once it is durable.
//
// Reads see a consistent snapshot of committed writes (one snapshot per call).
//
// Threads: all methods are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "documents/revisions.h"
#include "json/dom.h"
#include "json/value.h"
#include "platform/env.h"

namespace rookery::documents {

class CommandStream;  // command_stream.h

struct DatabaseOptions {
  std::string node_tag = "A";
};

// A stored document as clients see it.
struct Document {
  std::string id;             // original casing
  std::string collection;     // "@empty" when the document has none
  std::string change_vector;  // "A:5-<database id>"
  uint64_t etag = 0;
  std::string last_modified;  // ISO-8601 UTC, 7 fractional digits: 2024-05-01T10:20:30.1234567Z
  std::string flags;          // "" or e.g. "HasRevisions"
  // The full document as JSON text, with "@metadata" holding @collection (unless @empty), @id,
  // @change-vector, @last-modified and @flags (when non-empty), plus the client's own metadata.
  std::string json;
};

// Optimistic concurrency: nullopt = no check; "" = the document must not exist; otherwise the
// current change vector must be exactly this.
using ExpectedChangeVector = std::optional<std::string>;

// A document validated and serialized for storing ahead of its write, everywhere but for the
// server-owned metadata that only the write assigns (PrepareDocument).
struct PreparedDocument {
  std::string collection;  // "@empty" when the document has none
  std::string head;        // "{...,"@metadata":{<client metadata members>"
  std::string tail;        // "}<members after @metadata>}"
};

struct PutCommand {
  // "" or absent: a new GUID; ending in '/': prefix + 19-digit etag + "-<node>"; ending in '|':
  // prefix (with '|' replaced by '/') + the next identity of that prefix; otherwise as given.
  std::string id;
  json::Value document;  // an object; server-owned metadata keys in it are replaced
  ExpectedChangeVector expected_change_vector;
  // When set, the document to store, and `document` is ignored: callers holding the document as
  // JSON text (bulk_docs) prepare it without building a json::Value.
  std::optional<PreparedDocument> prepared;
  // Set only by an index writing its OutputReduceToCollection results: the document's @flags
  // also say "Artificial, FromIndex" (as RavenDB's). A put without it (a user's) stores the
  // document without those flags: it is an ordinary document from then on.
  bool artificial = false;
};

// Validates `document` (for the PUT of `id`, as given: used in messages) and serializes it as a
// PUT stores it, with the client's server-owned metadata dropped. The errors are those Execute
// reports for the same document as a json::Value. Thread-safe; reads `document` only.
Result<PreparedDocument> PrepareDocument(std::string_view id, const json::Node& document);

struct DeleteCommand {
  std::string id;
  ExpectedChangeVector expected_change_vector;
};

using Command = std::variant<PutCommand, DeleteCommand>;

struct PutResult {
  std::string id;  // the final id (generated ids resolved)
  std::string collection;
  std::string change_vector;
  std::string last_modified;
  std::string flags;
};

struct DeleteResult {
  std::string id;
  bool deleted = false;       // false when the document did not exist
  std::string change_vector;  // of the tombstone; "" when nothing was deleted
};

using CommandResult = std::variant<PutResult, DeleteResult>;

struct StartsWithQuery {
  std::string prefix;   // case-insensitive
  std::string matches;  // '|'-separated wildcard patterns (*, ?) on the rest of the id; "" = all
  std::string exclude;  // same syntax; matching ids are skipped
  std::string start_after;  // id to continue after ("" = from the start)
  uint64_t start = 0;       // results to skip
  uint64_t page_size = 25;
};

struct HiLoRequest {
  std::string tag;
  uint64_t last_batch_size = 0;
  std::string last_range_at;  // ISO-8601 or "" / unparsable
  uint64_t last_max = 0;
  std::string separator = "/";
};

struct HiLoRange {
  std::string prefix;  // tag + separator
  uint64_t low = 0;
  uint64_t high = 0;
  uint64_t last_size = 0;
  std::string server_tag;
  std::string last_range_at;  // now, ISO-8601 7 digits
};

// A page of one document's revisions (newest first). A revision is a Document whose flags hold
// "Revision" or "DeleteRevision" (docs/formats/revisions.md).
struct RevisionsPage {
  std::vector<Document> revisions;
  uint64_t total = 0;  // every revision of the id
};

struct CollectionStats {
  std::string name;
  uint64_t count = 0;
};

struct DatabaseStats {
  uint64_t documents = 0;
  uint64_t tombstones = 0;
  uint64_t revisions = 0;  // revisions of every document, delete revisions included
  uint64_t last_etag = 0;
  std::string database_id;
  std::string change_vector;  // of the last write, "" when empty
  uint64_t size_on_disk = 0;
  uint64_t temp_bytes = 0;                   // scratch
  std::vector<CollectionStats> collections;  // sorted by lower-cased name
  // Transaction merger figures since open: storage transactions committed by the merger and the
  // batches they carried (batches > transactions when concurrent writes were merged).
  uint64_t write_transactions = 0;
  uint64_t write_batches = 0;
  uint64_t merger_queue = 0;  // batches waiting right now
};

// A document write or delete, as indexing sees it (ReadChanges).
struct Change {
  uint64_t etag = 0;
  bool deleted = false;    // a tombstone
  std::string id;          // original casing
  std::string collection;  // of the document; of the deleted document for a tombstone
  std::string json;        // the document as stored (empty for a tombstone)
};

struct ChangeBatch {
  // The changes of the requested collection with after < etag <= covered_etag, in etag order.
  std::vector<Change> changes;
  // How far the batch reaches: every change up to here was examined (changes of other
  // collections skipped). Equals the snapshot's last etag when the reader has caught up.
  uint64_t covered_etag = 0;
  uint64_t last_etag = 0;  // the snapshot's last etag
  // Not part of the batch: Change objects ReadChangesInto keeps for its next read into this
  // batch (a shorter batch would otherwise free their memory and a longer one allocate it again).
  std::vector<Change> recycled;
};

class Database {
 public:
  // Opens (creating if needed) the database stored in `dir`.
  static Result<std::unique_ptr<Database>> Open(platform::Env& env, std::string dir,
                                                DatabaseOptions options = {});
  virtual ~Database() = default;

  // 22-character base64 id chosen at creation and kept for the database's life.
  virtual const std::string& database_id() const = 0;

  // Executes the commands as one atomic batch through the merger; results in command order.
  // A change-vector violation is kConflict with RavenDB's message ("Document users/1 has change
  // vector A:4-x, but Put was called with change vector A:9-y. Optimistic concurrency
  // violation, transaction will be aborted."; "... but Put was called with expecting new
  // document. ..." for ""; "Document users/1 does not exist, but Put was called with change
  // vector: A:9-y. ..." when missing; "Delete" instead of "Put" for deletes); an invalid command
  // is kInvalidArgument (also a PUT that would change an existing document's collection, with
  // RavenDB's "Changing 'users/1' from 'Users' to 'People' via update is not supported." text).
  // Either way nothing of the batch is written. A PUT of an existing id stores the casing of
  // that PUT. An empty command list writes nothing and returns no results.
  virtual Result<std::vector<CommandResult>> Execute(std::vector<Command> commands) = 0;
  // As Execute, for the commands `produce` appends to `stream` (and then closes it): `produce`
  // runs on the calling thread while the merger already executes the commands appended so far,
  // so preparing a large batch overlaps with writing it. PUTs should come prepared (their
  // `prepared` set); one that is not is prepared on the merger's thread. A stream closed as
  // failed fails the batch with kInvalidArgument, writing nothing; the caller tells that case
  // by stream.failed(). `produce` must close the stream and never wait for a write.
  virtual Result<std::vector<CommandResult>> ExecuteStreaming(
      CommandStream& stream, const std::function<void()>& produce) = 0;

  virtual Result<std::optional<Document>> Get(std::string_view id) = 0;
  // One entry per id, in order, nullopt for missing ids (one snapshot for all).
  virtual Result<std::vector<std::optional<Document>>> GetMany(
      const std::vector<std::string>& ids) = 0;
  // As GetMany, only each document's JSON text (queries return it as stored): no metadata
  // fields are copied or formatted.
  virtual Result<std::vector<std::optional<std::string>>> GetJsonMany(
      const std::vector<std::string>& ids) = 0;
  // Ids starting with the prefix, ordered by id (case-insensitively).
  virtual Result<std::vector<Document>> GetStartingWith(const StartsWithQuery& query) = 0;

  // HiLo ranges kept in the document "Raven/Hilo/<tag>" (field Max, collection "@hilo"),
  // following RavenDB's capacity rules (protocol.md §7.7).
  virtual Result<HiLoRange> NextHiLo(const HiLoRequest& request) = 0;
  virtual Status ReturnHiLo(std::string_view tag, uint64_t end, uint64_t last) = 0;

  virtual Result<DatabaseStats> Stats() = 0;

  // Changes (live documents and tombstones) with etag > after_etag in etag order, from one
  // snapshot: at most `limit` changes of `collection` (case-insensitive; "" = every collection).
  // Examines at most a bounded number of other collections' changes per call, so a caller loops
  // until covered_etag == last_etag. A document written twice appears once, at its latest etag.
  virtual Result<ChangeBatch> ReadChanges(uint64_t after_etag, std::string_view collection,
                                          size_t limit) = 0;
  // ReadChanges into `*batch`, reusing its storage: its changes' strings are overwritten in place
  // (kept capacity), so a caller that reads batch after batch into the same few ChangeBatch
  // objects allocates (and page-faults) their memory once instead of per batch. On error *batch
  // holds an unspecified set of changes.
  virtual Status ReadChangesInto(uint64_t after_etag, std::string_view collection, size_t limit,
                                 ChangeBatch* batch) = 0;

  // ---- Revisions (revisions.h, docs/design/revisions.md) ----
  // Stores the configuration (durably, through the merger); writes committed after it follow it.
  virtual Status ConfigureRevisions(const RevisionsConfig& config) = 0;
  // The stored configuration in canonical JSON; nullopt when none was ever stored.
  virtual Result<std::optional<json::Value>> RevisionsConfigJson() = 0;
  // Revisions of `id` (case-insensitive), newest first: skips `start`, at most `page_size`.
  virtual Result<RevisionsPage> GetRevisions(std::string_view id, uint64_t start,
                                             uint64_t page_size) = 0;
  // One entry per change vector, in order; nullopt for unknown or malformed change vectors.
  virtual Result<std::vector<std::optional<Document>>> GetRevisionsByChangeVector(
      const std::vector<std::string>& change_vectors) = 0;
  // The newest revision of `id` written at or before `micros` (UTC, since the epoch).
  virtual Result<std::optional<Document>> GetRevisionBefore(std::string_view id,
                                                            int64_t micros) = 0;
  virtual Result<uint64_t> CountRevisions(std::string_view id) = 0;
  // The revisions bin: the delete revisions of deleted documents (whose newest revision is that
  // delete revision), newest delete first.
  virtual Result<std::vector<Document>> GetRevisionsBin(uint64_t start, uint64_t page_size) = 0;
  // Takes revisioned documents back to their state at request.time_micros (see RevertRequest and
  // docs/design/revisions.md). Runs in the caller's thread; its writes go through the merger in
  // batches, so other reads and writes continue. `progress`, when set, is called after each batch
  // with the figures so far. A dry run reads one snapshot and changes nothing.
  virtual Result<RevertResult> RevertRevisions(
      const RevertRequest& request,
      const std::function<void(const RevertResult&)>& progress = nullptr) = 0;

  // The last etag of a committed write (0 for an empty database). Lock-free.
  virtual uint64_t LastEtag() const = 0;

  // Called on the writer thread after every commit that wrote something, with the new last
  // etag; it must be quick (e.g. notify a condition variable). One observer; pass nullptr to
  // remove it (returns once no call is in progress).
  virtual void SetWriteObserver(std::function<void(uint64_t last_etag)> observer) = 0;
};

}  // namespace rookery::documents

// The two document stores the document benchmark compares, each a server process it starts in a
// fresh temporary directory on a loopback port and talks to over TCP:
//   Rookery        `rookery serve` (the Release build of this tree), HTTP/1.1 keep-alive:
//                  POST /databases/bench/bulk_docs, GET /databases/bench/docs?id= (protocol.md
//                  §7.5, §7.2);
//   PostgreSQL 15  the Debian package's initdb and postgres (as user `postgres` when the benchmark
//                  runs as root: PostgreSQL refuses root), synchronous_commit=on, fsync=on; libpq:
//                  one multi-row prepared INSERT per batch (one transaction), a prepared
//                  primary-key SELECT per GET, on a table (id text PRIMARY KEY, data jsonb).
// Every write is durable when acknowledged in both.
//
// Ownership: a DocSystem owns its server process and temporary directory; destroying it kills
// the process if Stop() was not called (or failed) and removes the directory.
// Threads: Connect() may be called from any thread; each DocClient is used by one thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

namespace rookery::bench {

class DocClient {
 public:
  virtual ~DocClient() = default;
  // Inserts the documents (JSON objects, with "@metadata" for Rookery's collection) under the
  // ids, in one durable transaction.
  virtual Status InsertBatch(const std::vector<std::string>& ids,
                             const std::vector<std::string>& docs) = 0;
  // Reads one document by id; *bytes is the size of the document text received. NotFound if
  // missing.
  virtual Status Get(const std::string& id, size_t* bytes) = 0;
};

class DocSystem {
 public:
  virtual ~DocSystem() = default;
  virtual std::string name() const = 0;         // "Rookery", "PostgreSQL 15"
  virtual std::string description() const = 0;  // how it runs, for the report
  virtual Result<std::unique_ptr<DocClient>> Connect() = 0;
  // The server's process; its CPU time (and its children's) is the system's.
  virtual pid_t pid() const = 0;
  // Where the server keeps its data (bytes on disk are measured here).
  virtual std::string data_dir() const = 0;
  // How to reach the server, for clients other than DocClient (the query benchmark): Rookery
  // "http://127.0.0.1:<port>", PostgreSQL its libpq conninfo string.
  virtual std::string connection_info() const = 0;
  // Clean shutdown; kills the server if it does not stop in time (and then fails).
  virtual Status Stop() = 0;
};

struct SystemOptions {
  std::string parent_dir;  // each system's temporary directory is created in here
  std::string rookery_binary;
  std::string postgres_bin_dir = "/usr/lib/postgresql/15/bin";
};

// Start the server, wait until it accepts connections, create the empty database (Rookery: the
// database "bench"; PostgreSQL: the table "docs").
Result<std::unique_ptr<DocSystem>> StartRookery(const SystemOptions& options);
Result<std::unique_ptr<DocSystem>> StartPostgres(const SystemOptions& options);
// Whether PostgreSQL can be started at all (binaries present; a `postgres` user when root), so
// that a run fails before spending time on Rookery.
Status CheckPostgresInstalled(const SystemOptions& options);

// A free TCP port on 127.0.0.1 (bound and released: another process could take it before use).
Result<uint16_t> FreeLoopbackPort();
// A fresh directory "<parent>/<prefix>XXXXXX".
Result<std::string> MakeTempDir(const std::string& parent, const std::string& prefix);
// Allocated bytes (st_blocks * 512) of every file under `dir`.
uint64_t DiskBytes(const std::string& dir);

}  // namespace rookery::bench

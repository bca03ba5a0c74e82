// The JavaScript map/reduce index benchmark (issue 6): its data, the expected per-company
// results, and the PostgreSQL side. The data is deterministic from a seed: N orders, each with a
// Company among C companies, a Total with two decimals and a few other small fields (a document of
// about 350 bytes), the ids RavenDB's client would give them ("orders/<n>-A").
//
// Both systems must end with exactly the expected groups: the same count per company and the
// same sum of Total (compared with a relative tolerance: the two systems add in different orders).
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "base/result.h"
#include "bench/doc_systems.h"

namespace rookery::bench {

struct JsIndexOptions {
  uint64_t docs = 1'000'000;
  uint64_t companies = 1000;
  uint64_t changes = 200;     // single-document changes timed on Rookery
  uint64_t pg_changes = 5;    // on PostgreSQL (each costs a whole REFRESH)
  uint64_t pg_refreshes = 3;  // timed REFRESHes of the loaded table
  uint64_t batch = 1000;      // documents per load transaction
  uint64_t seed = 42;
  std::vector<std::string> systems = {"rookery", "postgres"};
  std::string dir;
  std::string out;
  SystemOptions system;
};

struct Group {
  uint64_t count = 0;
  long double total = 0;
};
using Groups = std::map<std::string, Group>;  // company id -> group

// The order documents, generated one at a time, and the expected groups as they are generated.
class Orders {
 public:
  explicit Orders(const JsIndexOptions& o) : o_(o), rng_(o.seed) {}
  static std::string Id(uint64_t n) { return "orders/" + std::to_string(n + 1) + "-A"; }
  static std::string Company(uint64_t c) { return "companies/" + std::to_string(c + 1) + "-A"; }
  // Order n's JSON (without @metadata) with the given company and total (in cents).
  std::string Json(uint64_t n, uint64_t company, uint64_t cents);
  // The next order's text; records it in expected().
  std::string Next(uint64_t n);
  // A change of order n's Total: the new text; updates expected().
  std::string Change(uint64_t n);
  const Groups& expected() const { return expected_; }
  std::mt19937_64& rng() { return rng_; }

 private:
  const JsIndexOptions& o_;
  std::mt19937_64 rng_;
  std::vector<uint32_t> company_of_;  // per order
  std::vector<uint32_t> cents_of_;
  Groups expected_;
};

// "" when equal, else the first differences (at most a few lines).
std::string CompareGroups(const Groups& expected, const Groups& actual);

struct PostgresRun {
  std::string description;
  double load_seconds = 0;
  std::vector<double> refresh_seconds;      // REFRESH of the loaded table
  std::vector<double> refresh_cpu_seconds;  // the server's CPU time during each
  std::vector<double> change_seconds;       // UPDATE of one row + REFRESH
  std::string version;
};

// Starts PostgreSQL (doc_systems.h), loads the same orders with COPY, creates the materialized
// view of the same GROUP BY and times its REFRESH, then the changes. Fails if the view's groups
// differ from the expected ones. `orders` must be fresh (nothing generated yet).
Status RunPostgres(const JsIndexOptions& o, Orders& orders, PostgresRun* run);

}  // namespace rookery::bench

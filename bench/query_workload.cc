#include "bench/query_workload.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>

#include "bench/bench_util.h"
#include "bench/process.h"
#include "bench/timed_pass.h"
#include "bench/workload_data.h"

namespace rookery::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kMetadataTail = ",\"@metadata\":{\"@collection\":\"Docs\"}}";
constexpr size_t kChecks = 20;  // queries of each kind checked in full before timing

uint64_t Groups(uint64_t n) {
  return (n + 9) / 10;
}
std::string GroupName(uint64_t g) {
  return "c" + std::to_string(g);
}
uint64_t RangeWidth(uint64_t n) {
  return std::max<uint64_t>(1, n / 100);
}

Status Load(const QueryOptions& o, DocSystem& system, QueryRun* out) {
  ROOKERY_ASSIGN_OR_RETURN(std::unique_ptr<DocClient> client, system.Connect());
  std::vector<std::string> ids, docs;
  Clock::duration timed{};
  for (uint64_t first = 0; first < o.docs; first += o.batch) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(o.batch, o.docs - first));
    ids.resize(n);
    docs.resize(n);
    for (size_t i = 0; i < n; ++i) {
      ids[i] = QueryDocumentId(first + i);
      MakeQueryDocument(o.seed, first + i, o.docs, o.doc_size, &docs[i]);
    }
    const auto t0 = Clock::now();
    Status s = client->InsertBatch(ids, docs);
    timed += Clock::now() - t0;
    if (!s.ok()) return s.WithContext("inserting documents " + std::to_string(first));
  }
  out->load_seconds = std::chrono::duration<double>(timed).count();
  out->load_rate = static_cast<double>(o.docs) / out->load_seconds;
  out->load_loadavg = LoadAverage();
  return Status::Ok();
}

Status Expect(bool ok, const std::string& what) {
  return ok ? Status::Ok() : Status::IOError("wrong query result: " + what);
}

// Full checks of both query kinds on random arguments: the right documents in the right order,
// and (where the system reports it) the right total.
Status Check(const QueryOptions& o, QueryClient& client) {
  Rng rng(o.seed ^ 0xc0ffee);
  std::vector<json::Value> docs;
  size_t bytes = 0;
  const uint64_t width = RangeWidth(o.docs);
  for (size_t k = 0; k < kChecks; ++k) {
    const uint64_t g = k == 0 ? Groups(o.docs) - 1 : rng.Uniform(Groups(o.docs));
    ROOKERY_RETURN_IF_ERROR(client.Equal(GroupName(g), &docs, &bytes));
    const uint64_t expected = std::min<uint64_t>(10, o.docs - g * 10);
    ROOKERY_RETURN_IF_ERROR(
        Expect(docs.size() == expected, GroupName(g) + " returned " + std::to_string(docs.size())));
    for (const json::Value& d : docs) {
      const json::Value* group = d.Find("Category");
      ROOKERY_RETURN_IF_ERROR(
          Expect(group && group->is_string() && group->as_string() == GroupName(g),
                 "a document of another group for " + GroupName(g)));
    }
    const uint64_t lo = rng.Uniform(o.docs - width + 1);
    const uint64_t hi = lo + width - 1;
    uint64_t total = 0;
    ROOKERY_RETURN_IF_ERROR(client.Range(lo, hi, o.page_size, &docs, &total, &bytes));
    const std::string range = "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    ROOKERY_RETURN_IF_ERROR(Expect(total == UINT64_MAX || total == width,
                                   range + " reported " + std::to_string(total) + " matches"));
    ROOKERY_RETURN_IF_ERROR(Expect(docs.size() == std::min<uint64_t>(o.page_size, width),
                                   range + " returned " + std::to_string(docs.size())));
    for (size_t i = 0; i < docs.size(); ++i) {
      const json::Value* score = docs[i].Find("Score");
      ROOKERY_RETURN_IF_ERROR(Expect(score && score->is_number() && score->as_uint() == lo + i,
                                     range + " result " + std::to_string(i) + " out of order"));
    }
  }
  return Status::Ok();
}

// `count` queries shared by `connections` threads, one connection each; query(client, k) runs
// the k-th query and adds the bytes it received.
template <typename Fn>
Status Pass(DocSystem& system, QueryDriver& driver, unsigned connections, uint64_t count, Fn query,
            PassFigures* out, double* bytes_per_query) {
  std::vector<std::unique_ptr<QueryClient>> clients;
  for (unsigned c = 0; c < connections; ++c) {
    ROOKERY_ASSIGN_OR_RETURN(std::unique_ptr<QueryClient> client, driver.Connect());
    clients.push_back(std::move(client));
  }
  PassResult pass;
  ROOKERY_RETURN_IF_ERROR(TimedPass(
      system.pid(), connections, count,
      [&](unsigned c, uint64_t k, size_t* n) { return query(*clients[c], k, n); }, &pass));
  const double n = static_cast<double>(count);
  out->server_cpu_us = pass.server_cpu_seconds * 1e6 / n;
  out->client_cpu_us = pass.client_cpu_seconds * 1e6 / n;
  out->loadavg = LoadAverage();
  out->rate = n / pass.seconds;
  out->p50_us = Quantile(pass.latencies_us, 0.50);
  out->p99_us = Quantile(pass.latencies_us, 0.99);
  *bytes_per_query = static_cast<double>(pass.bytes) / n;
  return Status::Ok();
}

}  // namespace

std::string QueryDocumentId(uint64_t i) {
  return "docs/" + std::to_string(i + 1);
}

uint64_t ScoreOf(uint64_t i, uint64_t n) {
  static thread_local uint64_t cached_n = 0, multiplier = 0;
  if (cached_n != n) {
    multiplier = 1'000'003;  // prime; the next number coprime with n
    while (std::gcd(multiplier, n) != 1) ++multiplier;
    cached_n = n;
  }
  // i < n < 2^32 and the multiplier stays near 2^20: the product fits in 64 bits.
  return (i * multiplier) % n;
}

void MakeQueryDocument(uint64_t seed, uint64_t i, uint64_t n, size_t size, std::string* out) {
  std::string head = "{\"Category\":\"" + GroupName(i / 10) +
                     "\",\"Score\":" + std::to_string(ScoreOf(i, n)) + ",";
  // The order-like body without its braces, sized so that the whole is `size` bytes.
  std::string body;
  MakeValue(seed, i, size + 2 - head.size() - kMetadataTail.size(), &body);
  *out = std::move(head);
  out->append(body, 1, body.size() - 2);
  out->append(kMetadataTail);
}

Status RunQueryBench(const QueryOptions& o, DocSystem& system, QueryDriver& driver, QueryRun* out) {
  const char* name = out->name.c_str();
  ROOKERY_RETURN_IF_ERROR(Load(o, system, out));
  std::fprintf(stderr, "    %s: loaded %llu docs at %.0f docs/s (load average %s)\n", name,
               static_cast<unsigned long long>(o.docs), out->load_rate, out->load_loadavg.c_str());
  ROOKERY_RETURN_IF_ERROR(driver.BuildIndexes(o, &out->builds));
  for (const IndexBuild& b : out->builds) {
    std::fprintf(stderr, "    %s: %s: %.2f s, %.0f docs/s\n", name, b.what.c_str(), b.seconds,
                 b.docs_per_second);
  }
  {
    ROOKERY_ASSIGN_OR_RETURN(std::unique_ptr<QueryClient> client, driver.Connect());
    ROOKERY_RETURN_IF_ERROR(Check(o, *client));
  }

  const std::vector<uint32_t> groups = UniformChoices(
      static_cast<uint32_t>(Groups(o.docs)), std::max(o.eq_queries, o.range_queries), o.seed + 1);
  const uint64_t width = RangeWidth(o.docs);
  const std::vector<uint32_t> starts =
      UniformChoices(static_cast<uint32_t>(o.docs - width + 1),
                     std::max(o.eq_queries, o.range_queries), o.seed + 2);
  auto equal = [&](QueryClient& c, uint64_t k, size_t* bytes) {
    return c.Equal(GroupName(groups[k]), nullptr, bytes);
  };
  auto range = [&](QueryClient& c, uint64_t k, size_t* bytes) {
    uint64_t total = 0;
    return c.Range(starts[k], starts[k] + width - 1, o.page_size, nullptr, &total, bytes);
  };
  const struct {
    const char* what;
    bool is_range;
    unsigned connections;
    PassFigures* figures;
  } passes[] = {{"equality", false, 1, &out->eq1},
                {"equality", false, o.connections, &out->eqn},
                {"range+sort", true, 1, &out->range1},
                {"range+sort", true, o.connections, &out->rangen}};
  for (const auto& p : passes) {
    double bytes = 0;
    Status s = p.is_range
                   ? Pass(system, driver, p.connections, o.range_queries, range, p.figures, &bytes)
                   : Pass(system, driver, p.connections, o.eq_queries, equal, p.figures, &bytes);
    ROOKERY_RETURN_IF_ERROR(s.WithContext(std::string(p.what) + " queries on " +
                                          std::to_string(p.connections) + " connection(s)"));
    (p.is_range ? out->range_bytes : out->eq_bytes) = bytes;
    std::fprintf(stderr,
                 "    %s: %s on %u connection(s): %.0f q/s, p50 %.0f us, p99 %.0f us "
                 "(load average %s)\n",
                 name, p.what, p.connections, p.figures->rate, p.figures->p50_us, p.figures->p99_us,
                 p.figures->loadavg.c_str());
  }
  return Status::Ok();
}

}  // namespace rookery::bench

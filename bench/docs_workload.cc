#include "bench/docs_workload.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "bench/bench_util.h"
#include "bench/process.h"
#include "bench/timed_pass.h"
#include "bench/workload_data.h"

namespace rookery::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kMetadataTail = ",\"@metadata\":{\"@collection\":\"Orders\"}}";

Status Insert(const DocsOptions& o, DocSystem& system, DocsRun* out) {
  ROOKERY_ASSIGN_OR_RETURN(std::unique_ptr<DocClient> client, system.Connect());
  std::vector<std::string> ids, docs;
  std::vector<float> batch_ms;
  Clock::duration timed{};
  const double server0 = ProcessTreeCpuSeconds(system.pid());
  const double client0 = SelfCpuSeconds();
  double generate_cpu = 0;
  for (uint64_t first = 0; first < o.docs; first += o.batch) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(o.batch, o.docs - first));
    const double g0 = SelfCpuSeconds();
    ids.resize(n);
    docs.resize(n);
    for (size_t i = 0; i < n; ++i) {
      ids[i] = DocumentId(first + i);
      MakeDocument(o.seed, first + i, o.doc_size, &docs[i]);
    }
    generate_cpu += SelfCpuSeconds() - g0;
    const auto t0 = Clock::now();
    Status s = client->InsertBatch(ids, docs);
    const auto dt = Clock::now() - t0;
    if (!s.ok()) return s.WithContext("inserting documents " + std::to_string(first));
    timed += dt;
    batch_ms.push_back(std::chrono::duration<float, std::milli>(dt).count());
  }
  const double seconds = std::chrono::duration<double>(timed).count();
  const double count = static_cast<double>(o.docs);
  out->insert_seconds = seconds;
  out->insert_rate = count / seconds;
  out->insert_server_cpu_us = (ProcessTreeCpuSeconds(system.pid()) - server0) * 1e6 / count;
  out->insert_client_cpu_us = (SelfCpuSeconds() - client0 - generate_cpu) * 1e6 / count;
  out->insert_batch_p50_ms = Quantile(batch_ms, 0.50);
  out->insert_batch_p99_ms = Quantile(batch_ms, 0.99);
  return Status::Ok();
}

// `connections` threads, each with its own connection, share `requests` uniform random GETs.
Status Gets(const DocsOptions& o, DocSystem& system, unsigned connections, uint64_t seed,
            GetFigures* out, double* bytes_per_get) {
  const std::vector<uint32_t> choices =
      UniformChoices(static_cast<uint32_t>(o.docs), o.get_requests, seed);
  std::vector<std::unique_ptr<DocClient>> clients;
  for (unsigned c = 0; c < connections; ++c) {
    ROOKERY_ASSIGN_OR_RETURN(std::unique_ptr<DocClient> client, system.Connect());
    clients.push_back(std::move(client));
  }
  PassResult pass;
  std::vector<std::string> ids(connections);
  ROOKERY_RETURN_IF_ERROR(TimedPass(
      system.pid(), connections, choices.size(),
      [&](unsigned c, uint64_t k, size_t* n) {
        ids[c] = DocumentId(choices[k]);
        return clients[c]->Get(ids[c], n);
      },
      &pass));
  const double n = static_cast<double>(choices.size());
  out->rate = n / pass.seconds;
  out->p50_us = Quantile(pass.latencies_us, 0.50);
  out->p99_us = Quantile(pass.latencies_us, 0.99);
  out->server_cpu_us = pass.server_cpu_seconds * 1e6 / n;
  out->client_cpu_us = pass.client_cpu_seconds * 1e6 / n;
  *bytes_per_get = static_cast<double>(pass.bytes) / n;
  return Status::Ok();
}

}  // namespace

std::string DocumentId(uint64_t i) {
  return "orders/" + std::to_string(i + 1);
}

void MakeDocument(uint64_t seed, uint64_t i, size_t size, std::string* out) {
  MakeValue(seed, i, size - kMetadataTail.size() + 1, out);
  out->pop_back();  // the closing brace; the metadata's tail closes the object again
  out->append(kMetadataTail);
}

Status RunDocsOnce(const DocsOptions& o, DocSystem& system, int run, DocsRun* out) {
  ROOKERY_RETURN_IF_ERROR(Insert(o, system, out));
  out->disk_bytes = DiskBytes(system.data_dir());
  std::fprintf(stderr, "    %s: inserted %llu docs at %.0f docs/s\n", system.name().c_str(),
               static_cast<unsigned long long>(o.docs), out->insert_rate);
  ROOKERY_RETURN_IF_ERROR(Gets(o, system, 1, o.seed + 1000 * static_cast<uint64_t>(run) + 1,
                               &out->get1, &out->bytes_received_per_get)
                              .WithContext("GETs on 1 connection"));
  std::fprintf(stderr, "    %s: 1 connection %.0f GET/s\n", system.name().c_str(), out->get1.rate);
  double ignored = 0;
  ROOKERY_RETURN_IF_ERROR(
      Gets(o, system, o.connections, o.seed + 1000 * static_cast<uint64_t>(run) + 2, &out->getn,
           &ignored)
          .WithContext("GETs on " + std::to_string(o.connections) + " connections"));
  std::fprintf(stderr, "    %s: %u connections %.0f GET/s\n", system.name().c_str(), o.connections,
               out->getn.rate);
  return Status::Ok();
}

}  // namespace rookery::bench

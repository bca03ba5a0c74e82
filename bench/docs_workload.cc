#include "bench/docs_workload.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "bench/bench_util.h"
#include "bench/process.h"
#include "bench/workload_data.h"

namespace rookery::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kMetadataTail = ",\"@metadata\":{\"@collection\":\"Orders\"}}";

double ClientCpuSeconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double Percentile(std::vector<float>* sorted_in_place, double q) {
  auto& v = *sorted_in_place;
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

Status Insert(const DocsOptions& o, DocSystem& system, DocsRun* out) {
  ROOKERY_ASSIGN_OR_RETURN(std::unique_ptr<DocClient> client, system.Connect());
  std::vector<std::string> ids, docs;
  std::vector<float> batch_ms;
  Clock::duration timed{};
  const double server0 = ProcessTreeCpuSeconds(system.pid());
  const double client0 = ClientCpuSeconds();
  double generate_cpu = 0;
  for (uint64_t first = 0; first < o.docs; first += o.batch) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(o.batch, o.docs - first));
    const double g0 = ClientCpuSeconds();
    ids.resize(n);
    docs.resize(n);
    for (size_t i = 0; i < n; ++i) {
      ids[i] = DocumentId(first + i);
      MakeDocument(o.seed, first + i, o.doc_size, &docs[i]);
    }
    generate_cpu += ClientCpuSeconds() - g0;
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
  out->insert_client_cpu_us = (ClientCpuSeconds() - client0 - generate_cpu) * 1e6 / count;
  out->insert_batch_p50_ms = Percentile(&batch_ms, 0.50);
  out->insert_batch_p99_ms = Percentile(&batch_ms, 0.99);
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
  std::vector<std::vector<float>> latencies(connections);
  std::vector<Status> errors(connections);
  std::vector<uint64_t> bytes(connections, 0);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (unsigned c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      const size_t begin = choices.size() * c / connections;
      const size_t end = choices.size() * (c + 1) / connections;
      latencies[c].reserve(end - begin);
      std::string id;
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      for (size_t i = begin; i < end; ++i) {
        id = DocumentId(choices[i]);
        size_t n = 0;
        const auto t0 = Clock::now();
        Status s = clients[c]->Get(id, &n);
        latencies[c].push_back(std::chrono::duration<float, std::micro>(Clock::now() - t0).count());
        if (!s.ok()) {
          errors[c] = s;
          return;
        }
        bytes[c] += n;
      }
    });
  }
  const double server0 = ProcessTreeCpuSeconds(system.pid());
  const double client0 = ClientCpuSeconds();
  const auto t0 = Clock::now();
  go.store(true, std::memory_order_release);
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const double server_cpu = ProcessTreeCpuSeconds(system.pid()) - server0;
  const double client_cpu = ClientCpuSeconds() - client0;
  for (const Status& s : errors) {
    if (!s.ok()) return s;
  }
  std::vector<float> all;
  uint64_t total_bytes = 0;
  for (unsigned c = 0; c < connections; ++c) {
    all.insert(all.end(), latencies[c].begin(), latencies[c].end());
    total_bytes += bytes[c];
  }
  const double n = static_cast<double>(choices.size());
  out->rate = n / seconds;
  out->p50_us = Percentile(&all, 0.50);
  out->p99_us = Percentile(&all, 0.99);
  out->server_cpu_us = server_cpu * 1e6 / n;
  out->client_cpu_us = client_cpu * 1e6 / n;
  *bytes_per_get = static_cast<double>(total_bytes) / n;
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

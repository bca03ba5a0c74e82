#include "server/operations.h"

#include "json/writer.h"

namespace rookery::server {

Operations::~Operations() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    threads.swap(threads_);
  }
  for (std::thread& t : threads) t.join();
}

uint64_t Operations::NextId() {
  std::lock_guard<std::mutex> lock(mu_);
  return ++last_id_;
}

uint64_t Operations::Start(uint64_t id, std::string description,
                           std::function<Result<json::Value>()> work) {
  std::lock_guard<std::mutex> lock(mu_);
  if (id == 0 || states_.contains(id)) id = ++last_id_;
  if (id > last_id_) last_id_ = id;
  states_[id].description = std::move(description);
  threads_.emplace_back([this, id, work = std::move(work)] {
    Result<json::Value> r = work();
    std::lock_guard<std::mutex> lock(mu_);
    State& s = states_[id];
    s.done = true;
    if (r.ok()) {
      s.result = std::move(r).value();
    } else {
      s.status = r.status();
    }
  });
  return id;
}

void Operations::SetProgress(uint64_t id, json::Value progress) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = states_.find(id); it != states_.end()) it->second.progress = std::move(progress);
}

std::optional<std::string> Operations::StateJson(uint64_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = states_.find(id);
  if (it == states_.end()) return std::nullopt;
  const State& s = it->second;
  std::string out;
  json::JsonWriter w(&out);
  w.BeginObject();
  if (!s.done) {
    w.Field("Status", "InProgress").Key("Result").Null();
  } else if (s.status.ok()) {
    w.Field("Status", "Completed").Key("Result").Raw(json::Serialize(s.result));
  } else {
    w.Field("Status", "Faulted").Key("Result").BeginObject();
    w.Field("Message", s.status.message()).Field("Error", s.status.ToString());
    w.EndObject();
  }
  w.Key("Progress").Raw(json::Serialize(s.progress));
  w.EndObject();
  return out;
}

}  // namespace rookery::server

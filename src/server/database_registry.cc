#include "server/database_registry.h"

#include <algorithm>
#include <cctype>

#include "base/logging.h"

namespace rookery::server {
namespace {

constexpr std::string_view kRecordSuffix = ".record.json";
constexpr size_t kMaxNameLength = 128;

}  // namespace

DatabaseRegistry::DatabaseRegistry(platform::Env& env, std::string data_dir,
                                   documents::DatabaseOptions options)
    : env_(env), root_(platform::JoinPath(data_dir, "Databases")), options_(std::move(options)) {}

DatabaseRegistry::~DatabaseRegistry() {
  CloseAll();
}

std::string DatabaseRegistry::Key(std::string_view name) {
  std::string key(name);
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

std::string DatabaseRegistry::Dir(std::string_view name) const {
  return platform::JoinPath(root_, name);
}

std::string DatabaseRegistry::RecordPath(std::string_view name) const {
  return platform::JoinPath(root_, std::string(name) + std::string(kRecordSuffix));
}

Status DatabaseRegistry::ValidateName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("the database name must not be empty");
  if (name.size() > kMaxNameLength) {
    return Status::InvalidArgument("the database name '" + std::string(name.substr(0, 32)) +
                                   "...' is " + std::to_string(name.size()) +
                                   " characters long; the maximum is 128");
  }
  if (name == "." || name == "..") {
    return Status::InvalidArgument("'" + std::string(name) + "' is not a valid database name");
  }
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '_' || c == '-' || c == '.')) {
      return Status::InvalidArgument(
          "the database name '" + std::string(name) +
          "' is not valid: only letters, digits, '_', '-' and '.' are allowed");
    }
  }
  return Status::Ok();
}

Status DatabaseRegistry::Init() {
  ROOKERY_RETURN_IF_ERROR(env_.CreateDirs(root_));
  ROOKERY_ASSIGN_OR_RETURN(std::vector<std::string> children, env_.ListDir(root_));
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& child : children) {
    if (!child.ends_with(kRecordSuffix)) continue;
    const std::string name = child.substr(0, child.size() - kRecordSuffix.size());
    if (!ValidateName(name).ok()) continue;
    ROOKERY_ASSIGN_OR_RETURN(std::string text, platform::ReadFileToString(env_, RecordPath(name)));
    auto record = json::Parse(text);
    if (!record.ok() || !record->is_object()) {
      return Status::Corruption("database record " + RecordPath(name) + " is not a JSON object");
    }
    entries_[Key(name)] = Entry{name, std::move(record).value(), nullptr};
  }
  // A directory without a record is what an interrupted create or delete leaves behind.
  for (const auto& child : children) {
    if (child.ends_with(".tmp") || child.ends_with(kRecordSuffix)) continue;
    if (entries_.contains(Key(child))) continue;
    auto is_dir = env_.IsDirectory(Dir(child));
    if (is_dir.ok() && *is_dir) {
      log::Warn(
          "removing {}: a database directory without a record (interrupted create or "
          "delete)",
          Dir(child));
      ROOKERY_RETURN_IF_ERROR(env_.RemoveAll(Dir(child)));
    }
  }
  return Status::Ok();
}

Status DatabaseRegistry::Create(std::string_view name, json::Value record) {
  ROOKERY_RETURN_IF_ERROR(ValidateName(name));
  std::lock_guard<std::mutex> lock(mu_);
  if (entries_.contains(Key(name))) {
    return Status::AlreadyExists("Database '" + std::string(name) + "' already exists!");
  }
  record.Set("DatabaseName", json::Value::String(std::string(name)));
  const std::string dir = Dir(name);
  // Leftovers of an earlier database of that name would otherwise be adopted.
  ROOKERY_RETURN_IF_ERROR(env_.RemoveAll(dir));
  ROOKERY_RETURN_IF_ERROR(env_.CreateDirs(dir));
  auto services = DatabaseServices::Open(env_, dir, options_);
  if (!services.ok()) {
    return services.status().WithContext("creating database '" + std::string(name) + "'");
  }
  ROOKERY_RETURN_IF_ERROR(
      platform::WriteFileAtomically(env_, RecordPath(name), json::Serialize(record)));
  entries_[Key(name)] = Entry{std::string(name), std::move(record), std::move(services).value()};
  ++command_index_;
  log::Info("created database '{}'", name);
  return Status::Ok();
}

Status DatabaseRegistry::Delete(std::string_view name) {
  std::shared_ptr<DatabaseServices> db;
  std::string stored_name;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(Key(name));
    if (it == entries_.end()) {
      return Status::NotFound("Database '" + std::string(name) + "' does not exist");
    }
    stored_name = it->second.name;
    // The record goes first: from here on the database does not exist, even after a crash.
    ROOKERY_RETURN_IF_ERROR(env_.RemoveFile(RecordPath(stored_name)));
    ROOKERY_RETURN_IF_ERROR(env_.SyncDir(root_));
    db = std::move(it->second.services);
    entries_.erase(it);
    ++command_index_;
  }
  // Requests that fetched the database before the delete finish with it first (bounded wait).
  for (int i = 0; db && db.use_count() > 1 && i < 3000; ++i) env_.SleepMicros(10000);
  db.reset();
  {
    // Held so that a concurrent Create of the same name cannot race the removal.
    std::lock_guard<std::mutex> lock(mu_);
    if (!entries_.contains(Key(stored_name))) {
      ROOKERY_RETURN_IF_ERROR(env_.RemoveAll(Dir(stored_name)));
    }
  }
  log::Info("deleted database '{}'", stored_name);
  return Status::Ok();
}

std::vector<std::string> DatabaseRegistry::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> names;
  for (const auto& [key, entry] : entries_) names.push_back(entry.name);
  return names;  // map order = lower-cased order
}

bool DatabaseRegistry::Exists(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return entries_.contains(Key(name));
}

Result<json::Value> DatabaseRegistry::Record(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(Key(name));
  if (it == entries_.end()) {
    return Status::NotFound("Database '" + std::string(name) + "' does not exist");
  }
  return it->second.record;
}

Result<std::shared_ptr<documents::Database>> DatabaseRegistry::Get(std::string_view name) {
  ROOKERY_ASSIGN_OR_RETURN(auto services, Services(name));
  // Shares ownership of the services, so a holder keeps the whole database open.
  documents::Database* db = services->db.get();
  return std::shared_ptr<documents::Database>(std::move(services), db);
}

Result<std::shared_ptr<DatabaseServices>> DatabaseRegistry::Services(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(Key(name));
  if (it == entries_.end()) {
    return Status::NotFound("Database '" + std::string(name) + "' does not exist");
  }
  Entry& entry = it->second;
  if (!entry.services) {
    auto services = DatabaseServices::Open(env_, Dir(entry.name), options_);
    if (!services.ok()) {
      return services.status().WithContext("opening database '" + entry.name + "'");
    }
    entry.services = std::move(services).value();
  }
  return entry.services;
}

std::shared_ptr<DatabaseServices> DatabaseRegistry::OpenServices(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(Key(name));
  return it == entries_.end() ? nullptr : it->second.services;
}

uint64_t DatabaseRegistry::NextCommandIndex() {
  std::lock_guard<std::mutex> lock(mu_);
  return ++command_index_;
}

void DatabaseRegistry::CloseAll() {
  std::vector<std::shared_ptr<DatabaseServices>> open;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, entry] : entries_) {
      if (entry.services) open.push_back(std::move(entry.services));
    }
  }
  open.clear();  // destructors close the storage environments
}

}  // namespace rookery::server

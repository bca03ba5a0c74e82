#include "server/database_services.h"

namespace rookery::server {

Result<std::shared_ptr<DatabaseServices>> DatabaseServices::Open(
    platform::Env& env, const std::string& dir, const documents::DatabaseOptions& options) {
  auto services = std::make_shared<DatabaseServices>();
  ROOKERY_ASSIGN_OR_RETURN(auto db, documents::Database::Open(env, dir, options));
  services->db = std::shared_ptr<documents::Database>(std::move(db));
  ROOKERY_ASSIGN_OR_RETURN(services->indexes,
                           indexing::IndexManager::Open(env, dir, *services->db));
  services->queries = std::make_unique<query::QueryEngine>(env, *services->db, *services->indexes);
  services->operations = std::make_unique<Operations>();
  return services;
}

DatabaseServices::~DatabaseServices() {
  operations.reset();  // running deletes by query finish first
  queries.reset();
  indexes.reset();  // stops the indexing thread
  db.reset();
}

}  // namespace rookery::server

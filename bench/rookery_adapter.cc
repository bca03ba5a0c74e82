// Rookery's KvEngine adapter: NOT WRITTEN YET (the storage engine is being built in parallel).
//
// This file is compiled only with -DROOKERY_BENCH_WITH_ROOKERY=ON (default OFF); until the
// adapter exists, that option fails at link time, and the benchmark lists only LMDB and RocksDB.
//
// To write it, define in this file, in namespace rookery::bench, the factory declared in
// bench/engines.h:
//
//   std::unique_ptr<KvEngine> NewRookeryEngine();
//
// returning an adapter over src/storage (link rookery_storage; bench/CMakeLists.txt already does
// when the option is ON) that honours the contract in bench/kv_engine.h:
//   * name() returns "Rookery"; Description() names the mode and settings (safe mode: a
//     Commit returns only after the journal write is durable; compression off).
//   * Open(dir) opens or creates an environment in `dir` through platform::PosixEnv.
//   * BeginWrite() -> a write transaction; Put stages, Commit commits durably.
//   * BeginRead() -> a read transaction (snapshot); Get copies the value into the caller's
//     string; Scan visits every key in memcmp order.
//   * DiskBytes() returns AllocatedBytesUnder(dir) (data file, journals, headers).
// kv_engine_test.cc then runs its behaviour tests against it automatically.

#pragma once
// `optguard bench ledger`: the ledger's figures beside a plain SQLite baseline measured in the
// same run (same row count, same durability, same batch size).

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace optguard::ledger {

struct BenchOptions {
  std::int64_t records = 100000;
  std::int64_t batch = 1000;
  std::filesystem::path workdir;  // a fresh, owner-only temp directory
};

nlohmann::json run_bench(const BenchOptions& options);
std::string bench_text(const nlohmann::json& result);

}  // namespace optguard::ledger

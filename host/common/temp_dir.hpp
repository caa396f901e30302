// A private scratch directory (mkdtemp, mode 0700) removed with everything in it when it goes
// out of scope — for benchmarks and tools that must leave nothing behind.
#pragma once

#include <filesystem>
#include <string_view>

namespace optguard {

class TempDir {
 public:
  // Creates <system temp>/<prefix>XXXXXX; throws Error(io_error) when it cannot.
  explicit TempDir(std::string_view prefix = "optguard-");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&&) = delete;
  TempDir& operator=(TempDir&&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace optguard

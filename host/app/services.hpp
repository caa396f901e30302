#pragma once
// The services a request or a subcommand reaches: one Services per process,
// features opened lazily so `hello` and `ping` never touch the disk.

#include <filesystem>

#include "common/home.hpp"

namespace optguard::app {

class Services {
 public:
  explicit Services(HomeLocation home) : home_(std::move(home)) {}
  Services(const Services&) = delete;
  Services& operator=(const Services&) = delete;

  const HomeLocation& home_location() const { return home_; }
  // The home directory, created owner-only if missing; refuses an unsafe one.
  std::filesystem::path home() { return ensure_home(home_); }

 private:
  HomeLocation home_;
};

}  // namespace optguard::app

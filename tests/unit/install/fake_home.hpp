#pragma once
// A throw-away HOME and root for install tests: every path the installer touches lives
// under one temporary folder, removed at the end.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "install/browsers.hpp"

namespace optguard::test {

class FakeHome {
 public:
  explicit FakeHome(install::Os os = install::Os::gnu_linux) {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "optguard-install-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    base_ = tmpl;
    env.os = os;
    env.home = base_ / "home";
    env.config_home = env.home / ".config";
    env.root = base_ / "root";
    std::filesystem::create_directories(env.home);
    std::filesystem::create_directories(env.root);
  }
  ~FakeHome() {
    std::error_code ec;
    std::filesystem::remove_all(base_, ec);
  }
  FakeHome(const FakeHome&) = delete;
  FakeHome& operator=(const FakeHome&) = delete;

  const std::filesystem::path& base() const { return base_; }

  // Every file and folder under the fake tree (relative), to compare before and after.
  std::set<std::string> snapshot() const {
    std::set<std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(base_)) {
      out.insert(std::filesystem::relative(e.path(), base_).string());
    }
    return out;
  }

  // An executable script at `rel` (under the fake tree) with `body`.
  std::filesystem::path script(const std::string& rel, const std::string& body,
                               bool executable = true) const {
    const auto p = base_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << body;
    std::filesystem::permissions(
        p, executable ? std::filesystem::perms(0755) : std::filesystem::perms(0644));
    return p;
  }

  install::Env env;

 private:
  std::filesystem::path base_;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace optguard::test

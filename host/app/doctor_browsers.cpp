#include "app/doctor_browsers.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "common/errors.hpp"
#include "common/home.hpp"
#include "install/diagnose.hpp"
#include "install/installer.hpp"

namespace optguard::app {
namespace fs = std::filesystem;

namespace {
Status status_of(install::Severity s) {
  switch (s) {
    case install::Severity::ok:
      return Status::ok;
    case install::Severity::info:
      return Status::info;
    case install::Severity::warn:
      return Status::warn;
    case install::Severity::fail:
      return Status::fail;
  }
  return Status::fail;
}

// The key file names the ledger uses (host/ledger/ledger.hpp kKeyFile, kNewKeyFile).
constexpr const char* kKeyFiles[] = {"ledger.key", "ledger.key.new"};
}  // namespace

std::vector<Finding> check_browsers(Services& services) {
  const auto env = install::Env::from_process();
  install::InstallRecord record;
  try {
    record = install::load_record(services.home_location().path / "install.json");
  } catch (const Error& e) {
    return {{"install-record", Status::fail, e.what(), "optguard install"}};
  }
  std::error_code ec;
  auto self = fs::canonical("/proc/self/exe", ec);
  std::vector<Finding> out;
  for (auto& d : install::diagnose_browsers(env, record, self, {})) {
    out.push_back({d.check, status_of(d.severity), d.detail, d.fix});
  }
  return out;
}

std::vector<Finding> check_key_file(Services& services) {
  const auto& home = services.home_location().path;
  std::vector<Finding> out;
  for (const char* name : kKeyFiles) {
    const auto p = home / name;
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) {
      if (std::string_view(name) == kKeyFiles[0]) {
        out.push_back(
            {"key-file", Status::info,
             p.string() + " does not exist yet; the ledger creates it (mode 0600) on first use",
             ""});
      }
      continue;
    }
    const auto mode = static_cast<fs::perms>(st.st_mode & 07777);
    if (!S_ISREG(st.st_mode)) {
      out.push_back({"key-file", Status::fail,
                     p.string() + " is not a regular file (a symlink or folder)",
                     "move it away and restore the key from your backup"});
    } else if (st.st_uid != ::geteuid()) {
      out.push_back({"key-file", Status::fail,
                     p.string() + " belongs to user id " + std::to_string(st.st_uid) + ", not you",
                     "chown " + std::to_string(::geteuid()) + " '" + p.string() + "'"});
    } else if ((st.st_mode & 077) != 0) {
      out.push_back({"key-file", Status::fail,
                     p.string() + " has mode " + mode_string(mode) +
                         ": other users can read the key that decrypts your ledger",
                     "chmod 600 '" + p.string() + "'"});
    } else {
      out.push_back({"key-file", Status::ok, p.string() + ", mode " + mode_string(mode), ""});
    }
  }
  return out;
}

}  // namespace optguard::app

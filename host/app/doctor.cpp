#include "app/doctor.hpp"

#include <libpsl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <ctime>
#include <filesystem>
#include <sstream>
#include <system_error>

#include "app/doctor_browsers.hpp"
#include "common/errors.hpp"

namespace optguard::app {
namespace fs = std::filesystem;

std::vector<DoctorCheck> doctor_checks() {
  // One table: a feature's checks are one line here.
  return {check_home, check_dependencies, check_browsers, check_key_file};
}

std::vector<Finding> run_doctor(Services& services) {
  std::vector<Finding> all;
  for (const auto& check : doctor_checks()) {
    auto found = check(services);
    all.insert(all.end(), found.begin(), found.end());
  }
  return all;
}

namespace {
std::string_view status_name(Status s) {
  switch (s) {
    case Status::ok:
      return "ok";
    case Status::info:
      return "info";
    case Status::warn:
      return "warn";
    case Status::fail:
      return "FAIL";
  }
  return "?";
}

std::string date_of(std::time_t t) {
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  if (std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm) == 0) return "?";
  return buf;
}
}  // namespace

nlohmann::json to_json(const std::vector<Finding>& findings) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : findings) {
    std::string status{status_name(f.status)};
    if (f.status == Status::fail) status = "fail";
    out.push_back({{"check", f.check}, {"status", status}, {"detail", f.detail}, {"fix", f.fix}});
  }
  return {{"ok", !any_failed(findings)}, {"findings", out}};
}

std::string to_text(const std::vector<Finding>& findings) {
  std::ostringstream os;
  for (const auto& f : findings) {
    os << '[' << status_name(f.status) << "] " << f.check << ": " << f.detail << '\n';
    if (!f.fix.empty()) os << "       fix: " << f.fix << '\n';
  }
  os << (any_failed(findings) ? "Something is broken: see the fixes above.\n" : "All good.\n");
  return os.str();
}

bool any_failed(const std::vector<Finding>& findings) {
  for (const auto& f : findings) {
    if (f.status == Status::fail) return true;
  }
  return false;
}

std::vector<Finding> check_home(Services& services) {
  const auto& loc = services.home_location();
  std::error_code ec;
  if (!fs::exists(loc.path, ec)) {
    return {{"home", Status::info,
             loc.path.string() + " (from " + loc.source +
                 ") does not exist yet; it is created owner-only on first use",
             ""}};
  }
  const auto st = fs::status(loc.path, ec);
  if (!fs::is_directory(st)) {
    return {{"home", Status::fail, loc.path.string() + " is not a directory",
             "move it away, or set OPTGUARD_HOME to a directory of yours"}};
  }
  const auto others = fs::perms::group_all | fs::perms::others_all;
  if ((st.permissions() & others) != fs::perms::none) {
    return {{"home", Status::fail,
             loc.path.string() + " has mode " + mode_string(st.permissions()) +
                 ": other users can reach it",
             "chmod 700 '" + loc.path.string() + "'"}};
  }
  return {{"home", Status::ok,
           loc.path.string() + " (from " + loc.source + "), mode " + mode_string(st.permissions()),
           ""}};
}

std::vector<Finding> check_dependencies(Services& /*services*/) {
  std::vector<Finding> out;
  out.push_back(
      {"dependency:sqlite", Status::ok, std::string("SQLite ") + sqlite3_libversion(), ""});
  out.push_back({"dependency:libsodium", Status::ok,
                 std::string("libsodium ") + sodium_version_string(), ""});
  std::string psl = std::string("libpsl ") + psl_get_version() + ", built-in list of " +
                    date_of(psl_builtin_file_time());
  const char* dist = psl_dist_filename();
  struct stat st {};
  if (dist != nullptr && *dist != '\0' && ::stat(dist, &st) == 0) {
    psl += "; system list " + std::string(dist) + " of " + date_of(st.st_mtime);
  }
  out.push_back({"dependency:libpsl", Status::ok, psl, ""});
  return out;
}

}  // namespace optguard::app

#pragma once
// `optguard install` / `optguard uninstall`: write the host manifest where each browser
// looks (browsers.hpp), and remember exactly what was written (the install record,
// install.json in the optguard home) so uninstall removes that and nothing else.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "install/browsers.hpp"
#include "install/sandbox.hpp"

namespace optguard::install {

// What install wrote; kept as JSON in the home:
// {"version":1,"host":"/abs/optguard","files":[{"path","browser","scope"}],"dirs":["/created/dir",...]}
struct RecordedFile {
  std::filesystem::path path;
  Browser browser;
  Scope scope;
  bool custom = false;  // written for --chromium-user-data-dir
};
struct InstallRecord {
  std::filesystem::path host;
  std::vector<RecordedFile> files;
  std::vector<std::filesystem::path> dirs;  // folders install created (removed when empty)

  bool empty() const { return files.empty() && dirs.empty(); }
};
InstallRecord load_record(const std::filesystem::path& record_file);  // empty when missing
void save_record(const std::filesystem::path& record_file, const InstallRecord& record);
nlohmann::json to_json(const InstallRecord& record);
InstallRecord record_from_json(const nlohmann::json& j);

struct InstallOptions {
  std::vector<Browser> browsers;  // empty: every browser found, plus those already recorded
  Scope scope = Scope::user;
  bool dry_run = false;
  std::filesystem::path host_path;  // absolute path of the host binary
  // Chromium started with --user-data-dir=DIR reads only DIR/NativeMessagingHosts.
  std::vector<std::filesystem::path> chromium_user_data_dirs;
};

enum class Change { created, updated, unchanged };
std::string_view name_of(Change c);

struct Action {
  Browser browser;
  Scope scope;
  std::filesystem::path file;
  std::string content;
  Change change = Change::created;
  std::string previous_host;  // the host path an updated manifest named before (stale path)
  bool verified = true;       // the location is documented by the browser's vendor
  bool custom = false;
};

struct InstallResult {
  std::vector<Action> actions;
  std::vector<Browser> browsers;     // the browsers registered
  std::vector<std::string> reasons;  // per browser: why it was chosen ("named", "found: ...")
};

// Plans and (unless dry_run) applies the install, updating `record`. Idempotent: a file
// already right is left alone; one naming a stale host path is rewritten. Throws
// Error(not_found) when no browser is found or named, Error(io_error) when a file cannot be
// written (with the fix: sudo for --system).
InstallResult install(const InstallOptions& options, const Env& env, InstallRecord& record);

struct UninstallResult {
  std::vector<std::filesystem::path> removed;
  std::vector<std::string> kept;  // files left alone, each with the reason
  std::vector<std::filesystem::path> dirs_removed;
};
// Removes the files in `record` that are still optguard manifests, then the folders install
// created if they are empty. With dry_run nothing is touched.
UninstallResult uninstall(const InstallRecord& record, bool dry_run);

}  // namespace optguard::install

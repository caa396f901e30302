#include "install/installer.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "common/errors.hpp"
#include "install/detect.hpp"
#include "install/identities.hpp"
#include "install/manifest.hpp"

namespace optguard::install {
namespace fs = std::filesystem;

namespace {
std::optional<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes through a temporary file in the same folder and renames it over the target, so a
// browser never reads half a manifest.
void write_atomically(const fs::path& file, const std::string& content, fs::perms mode) {
  // Appended piece by piece: GCC 12 at -O3 reports a false -Wrestrict for "." + string.
  std::string tmp_name(1, '.');
  tmp_name += file.filename().string();
  tmp_name += ".tmp";
  const fs::path tmp = file.parent_path() / tmp_name;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      throw Error(ErrorCode::io_error,
                  "cannot write " + file.string() + ": " + std::strerror(errno));
    }
    out << content;
    out.flush();
    if (!out) throw Error(ErrorCode::io_error, "cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::permissions(tmp, mode, fs::perm_options::replace, ec);
  fs::rename(tmp, file, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw Error(ErrorCode::io_error, "cannot replace " + file.string() + ": " + ec.message());
  }
}

// Creates `dir` and its missing parents; returns the folders it created, outermost first.
std::vector<fs::path> create_dirs(const fs::path& dir) {
  std::vector<fs::path> missing;
  std::error_code ec;
  for (fs::path p = dir; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  std::reverse(missing.begin(), missing.end());
  for (const auto& p : missing) {
    if (!fs::create_directory(p, ec) && ec) {
      throw Error(ErrorCode::io_error, "cannot create " + p.string() + ": " + ec.message());
    }
  }
  return missing;
}

std::string host_in(const std::string& content) {
  try {
    const auto j = nlohmann::json::parse(content);
    if (j.is_object() && j.contains("path") && j["path"].is_string())
      return j["path"].get<std::string>();
  } catch (const nlohmann::json::exception&) {
  }
  return "";
}

bool contains(const std::vector<Browser>& v, Browser b) {
  return std::find(v.begin(), v.end(), b) != v.end();
}
}  // namespace

std::string_view name_of(Change c) {
  switch (c) {
    case Change::created:
      return "created";
    case Change::updated:
      return "updated";
    case Change::unchanged:
      return "unchanged";
  }
  return "?";
}

nlohmann::json to_json(const InstallRecord& r) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : r.files) {
    nlohmann::json e = {
        {"path", f.path.string()}, {"browser", name_of(f.browser)}, {"scope", name_of(f.scope)}};
    if (f.custom) e["custom"] = true;
    files.push_back(e);
  }
  nlohmann::json dirs = nlohmann::json::array();
  for (const auto& d : r.dirs) dirs.push_back(d.string());
  return {{"version", 1}, {"host", r.host.string()}, {"files", files}, {"dirs", dirs}};
}

InstallRecord record_from_json(const nlohmann::json& j) {
  InstallRecord r;
  r.host = j.value("host", "");
  for (const auto& f : j.value("files", nlohmann::json::array())) {
    const auto b = browser_from_name(f.value("browser", ""));
    if (!b) continue;
    r.files.push_back({f.value("path", ""), *b,
                       f.value("scope", "user") == "system" ? Scope::system : Scope::user,
                       f.value("custom", false)});
  }
  for (const auto& d : j.value("dirs", nlohmann::json::array()))
    r.dirs.emplace_back(d.get<std::string>());
  return r;
}

InstallRecord load_record(const fs::path& record_file) {
  const auto text = read_file(record_file);
  if (!text) return {};
  try {
    return record_from_json(nlohmann::json::parse(*text));
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::io_error, "the install record " + record_file.string() +
                                         " is damaged (" + e.what() +
                                         "); move it away and run `optguard install` again");
  }
}

void save_record(const fs::path& record_file, const InstallRecord& record) {
  std::error_code ec;
  fs::create_directories(record_file.parent_path(), ec);
  write_atomically(record_file, to_json(record).dump(2) + "\n",
                   fs::perms::owner_read | fs::perms::owner_write);
}

InstallResult install(const InstallOptions& options, const Env& env, InstallRecord& record) {
  if (!options.host_path.is_absolute()) {
    throw Error(ErrorCode::bad_params,
                "the host path must be absolute: " + options.host_path.string());
  }
  if (!is_executable_file(options.host_path)) {
    throw Error(ErrorCode::not_found,
                "the host " + options.host_path.string() +
                    " is not an executable file; build it first (cmake --build) "
                    "or pass --host /path/to/optguard");
  }
  InstallResult result;
  // Which browsers: the named ones; else every one found plus every one recorded in this
  // scope (so a second run repairs a manifest whose browser is gone from PATH).
  if (!options.browsers.empty()) {
    for (const auto b : options.browsers) {
      if (!contains(result.browsers, b)) {
        result.browsers.push_back(b);
        result.reasons.emplace_back("named");
      }
    }
  } else {
    for (const auto b : kAllBrowsers) {
      if (auto d = detect_browser(b, env)) {
        result.browsers.push_back(b);
        result.reasons.push_back("found: " + d->evidence);
        continue;
      }
      for (const auto& f : record.files) {
        if (f.browser == b && f.scope == options.scope && !f.custom) {
          result.browsers.push_back(b);
          result.reasons.emplace_back("installed before");
          break;
        }
      }
    }
  }
  if (result.browsers.empty() && options.chromium_user_data_dirs.empty()) {
    throw Error(
        ErrorCode::not_found,
        "no supported browser found (Chrome, Chromium, Edge, Brave, Vivaldi, Firefox); name one "
        "with --browser, e.g. `optguard install --browser chromium`");
  }
  const auto& ids = identities();
  const auto file_name = manifest_file_name(ids);

  struct Target {
    Browser browser;
    fs::path dir;
    bool verified;
    bool custom;
  };
  std::vector<Target> targets;
  for (const auto b : result.browsers) {
    for (const auto& d : manifest_dirs(b, options.scope, env))
      targets.push_back({b, d.dir, d.verified, false});
  }
  // Forget profiles deleted since (a demo's temporary --user-data-dir) and folders gone.
  std::error_code gone;
  if (!options.dry_run) {
    std::erase_if(record.files, [&](const RecordedFile& f) {
      return f.custom && !fs::exists(f.path.parent_path().parent_path(), gone);
    });
    std::erase_if(record.dirs, [&](const fs::path& d) { return !fs::exists(d, gone); });
  }
  std::vector<fs::path> custom_dirs = options.chromium_user_data_dirs;
  // Repair the custom folders recorded before, when they still exist.
  std::error_code ec;
  for (const auto& f : record.files) {
    if (f.custom && fs::is_directory(f.path.parent_path().parent_path(), ec)) {
      custom_dirs.push_back(f.path.parent_path().parent_path());
    }
  }
  for (const auto& u : custom_dirs) {
    const auto dir = fs::absolute(u) / "NativeMessagingHosts";
    if (std::none_of(targets.begin(), targets.end(),
                     [&](const Target& t) { return t.dir == dir; })) {
      targets.push_back({Browser::chromium, dir, true, true});
    }
  }

  for (const auto& t : targets) {
    Action a;
    a.browser = t.browser;
    a.scope = options.scope;
    a.file = t.dir / file_name;
    a.content = render(make_manifest(family_of(t.browser), options.host_path, ids));
    a.verified = t.verified;
    a.custom = t.custom;
    if (const auto old = read_file(a.file)) {
      if (*old == a.content) {
        a.change = Change::unchanged;
      } else {
        a.change = Change::updated;
        a.previous_host = host_in(*old);
      }
    }
    if (!options.dry_run) {
      if (a.change != Change::unchanged) {
        try {
          for (auto& created : create_dirs(t.dir)) record.dirs.push_back(created);
          write_atomically(a.file, a.content,
                           fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                               fs::perms::others_read);
        } catch (const Error& e) {
          if (options.scope == Scope::system && ::geteuid() != 0) {
            throw Error(ErrorCode::io_error,
                        std::string(e.what()) +
                            ". System-wide folders need root: run `sudo optguard install "
                            "--system`, or drop --system to install for this user");
          }
          throw;
        }
      }
      const bool known = std::any_of(record.files.begin(), record.files.end(),
                                     [&](const RecordedFile& f) { return f.path == a.file; });
      if (!known) record.files.push_back({a.file, a.browser, a.scope, a.custom});
    }
    result.actions.push_back(std::move(a));
  }
  if (!options.dry_run) record.host = options.host_path;
  return result;
}

UninstallResult uninstall(const InstallRecord& record, bool dry_run) {
  UninstallResult out;
  const auto& ids = identities();
  std::error_code ec;
  for (const auto& f : record.files) {
    const auto text = read_file(f.path);
    if (!text) continue;  // already gone
    std::string name;
    try {
      const auto j = nlohmann::json::parse(*text);
      if (j.is_object()) name = j.value("name", "");
    } catch (const nlohmann::json::exception&) {
    }
    if (name != ids.host_name) {
      out.kept.push_back(f.path.string() +
                         " (no longer an optguard manifest: someone replaced it)");
      continue;
    }
    if (!dry_run && !fs::remove(f.path, ec) && ec) {
      out.kept.push_back(f.path.string() + " (" + ec.message() + ")");
      continue;
    }
    out.removed.push_back(f.path);
  }
  // Folders install created, innermost first, only when empty.
  auto dirs = record.dirs;
  std::sort(dirs.begin(), dirs.end(), [](const fs::path& a, const fs::path& b) {
    return a.string().size() > b.string().size();
  });
  for (const auto& d : dirs) {
    if (!fs::is_directory(d, ec)) continue;
    bool empty = fs::is_empty(d, ec);
    if (dry_run) {
      // Would it be empty once the files above are gone?
      empty = true;
      for (const auto& entry : fs::directory_iterator(d, ec)) {
        const auto& p = entry.path();
        const bool going =
            std::find(out.removed.begin(), out.removed.end(), p) != out.removed.end() ||
            std::find(out.dirs_removed.begin(), out.dirs_removed.end(), p) !=
                out.dirs_removed.end();
        if (!going) empty = false;
      }
    }
    if (!empty) continue;
    if (!dry_run && !fs::remove(d, ec)) continue;
    out.dirs_removed.push_back(d);
  }
  return out;
}

}  // namespace optguard::install

#include "install/diagnose.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

#include "install/detect.hpp"
#include "install/identities.hpp"
#include "install/manifest.hpp"
#include "install/probe.hpp"
#include "install/sandbox.hpp"

namespace optguard::install {
namespace fs = std::filesystem;

namespace {
std::string quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string reinstall(Browser b) {
  return "optguard install --browser " + std::string(name_of(b));
}

std::string first_line(const std::string& s) {
  auto t = s.substr(0, s.find('\n'));
  if (t.size() > 300) t = t.substr(0, 300) + "...";
  return t;
}
}  // namespace

Diagnosis diagnose_manifest(Browser browser, const fs::path& file, const DiagnoseOptions& options) {
  const auto& ids = identities();
  Diagnosis d{"browser:" + std::string(name_of(browser)), Severity::fail, "", ""};
  const std::string where = file.string();
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    d.detail = "no manifest at " + where + ": " + std::string(display_name_of(browser)) +
               " will say \"Specified native messaging host not found\"";
    d.fix = reinstall(browser);
    return d;
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  nlohmann::json m;
  try {
    m = nlohmann::json::parse(ss.str());
  } catch (const nlohmann::json::exception& e) {
    d.detail = where + " is not valid JSON (" + first_line(e.what()) + ")";
    d.fix = reinstall(browser);
    return d;
  }
  const auto problems = check_manifest(m, family_of(browser), ids);
  if (!problems.empty()) {
    d.detail = where + ": " + problems.front().detail;
    if (problems.front().what == "wrong_id") {
      d.detail += family_of(browser) == Family::firefox
                      ? "; Firefox will say \"No such native application\""
                      : "; Chromium will say \"Access to the specified native messaging host is "
                        "forbidden\"";
    }
    d.fix = reinstall(browser);
    return d;
  }
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0 && (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    d.detail =
        where + " is writable by other users, who could point your browser at another program";
    d.fix = "chmod 644 " + quote(where);
    return d;
  }
  const fs::path host = m["path"].get<std::string>();
  if (!fs::exists(host, ec)) {
    d.detail = where + " names the host " + host.string() +
               ", which does not exist (a stale path after a move or update?)";
    d.fix = reinstall(browser) + "   (rewrites the path to the optguard you run it with)";
    return d;
  }
  if (!is_executable_file(host)) {
    d.detail = "the host " + host.string() + " named by " + where + " is not an executable file";
    d.fix =
        fs::is_regular_file(host, ec) ? "chmod 755 " + quote(host.string()) : reinstall(browser);
    return d;
  }
  if (!options.probe) {
    d.severity = Severity::ok;
    d.detail = where + " -> " + host.string() + " (not started)";
    return d;
  }
  const auto args = family_of(browser) == Family::firefox ? firefox_args(file, ids.firefox_id)
                                                          : chromium_args(ids.chromium_origin());
  const auto r = probe_host(host, args, options.timeout);
  if (!r.answered) {
    d.detail =
        "the host " + host.string() + " named by " + where + " does not answer hello: " + r.error;
    if (!r.stderr_text.empty()) d.detail += "; it logged: " + first_line(r.stderr_text);
    std::string argv = quote(host.string());
    for (const auto& a : args) argv += " " + quote(a);
    d.fix = "run it as the browser does to see why: " + argv +
            " </dev/null; then reinstall optguard (" + reinstall(browser) + ")";
    return d;
  }
  d.severity = Severity::ok;
  const auto& res = r.reply["result"];
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(0);
  os << where << " -> " << host.string() << ": answers hello (protocol " << res.value("protocol", 0)
     << ", host " << res.value("host", std::string("?")) << ") in " << r.millis << " ms";
  d.detail = os.str();
  return d;
}

std::vector<Diagnosis> diagnose_browsers(const Env& env, const InstallRecord& record,
                                         const fs::path& self, const DiagnoseOptions& options) {
  std::vector<Diagnosis> out;
  const auto file_name = manifest_file_name();
  std::error_code ec;
  bool any = false;
  for (const auto b : kAllBrowsers) {
    const auto found = detect_browser(b, env);
    std::vector<fs::path> files;
    std::vector<fs::path> looked;
    for (const auto scope : {Scope::user, Scope::system}) {
      for (const auto& d : manifest_dirs(b, scope, env)) {
        looked.push_back(d.dir / file_name);
        if (fs::exists(d.dir / file_name, ec)) files.push_back(d.dir / file_name);
      }
    }
    const bool recorded =
        std::any_of(record.files.begin(), record.files.end(),
                    [&](const RecordedFile& f) { return f.browser == b && !f.custom; });
    if (!found && files.empty() && !recorded) continue;
    any = true;
    if (files.empty()) {
      Diagnosis d{"browser:" + std::string(name_of(b)), Severity::fail, "", reinstall(b)};
      d.detail = std::string(display_name_of(b)) + " is installed (" +
                 (found ? found->evidence : "recorded") +
                 ") but has no optguard manifest where it looks (" + looked.front().string() +
                 "): the extension cannot reach the host";
      out.push_back(d);
      continue;
    }
    for (const auto& f : files) out.push_back(diagnose_manifest(b, f, options));
  }
  // Manifests written for a custom --user-data-dir.
  for (const auto& f : record.files) {
    if (!f.custom) continue;
    if (!fs::is_directory(f.path.parent_path().parent_path(), ec)) continue;  // profile deleted
    auto d = diagnose_manifest(f.browser, f.path, options);
    d.check += " (user-data-dir " + f.path.parent_path().parent_path().string() + ")";
    if (d.severity == Severity::fail) {
      d.fix = "optguard install --chromium-user-data-dir " +
              quote(f.path.parent_path().parent_path().string());
    }
    out.push_back(d);
    any = true;
  }
  for (const auto& note : detect_sandboxed(env, self)) {
    std::string steps;
    for (const auto& s : note.steps) steps += (steps.empty() ? "" : "; then ") + s;
    out.push_back({"sandbox:" + std::string(name_of(note.browser)) + ":" + note.app_id,
                   note.works_with_plain_install ? Severity::info : Severity::warn,
                   note.summary + " (found " + note.evidence.string() + ")", steps});
    any = true;
  }
  if (!any) {
    out.push_back({"browsers", Severity::info,
                   "no supported browser found (Chrome, Chromium, Edge, Brave, Vivaldi, Firefox)",
                   "install one, then run: optguard install"});
  }
  return out;
}

}  // namespace optguard::install

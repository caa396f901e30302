// install, uninstall: register the host with every browser (host/install/), and undo it.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "app/commands.hpp"
#include "cli/cli.hpp"
#include "common/errors.hpp"
#include "install/browsers.hpp"
#include "install/installer.hpp"
#include "install/sandbox.hpp"
#include "install/windows.hpp"

namespace optguard::app {
namespace fs = std::filesystem;
namespace in = optguard::install;

namespace {
constexpr const char* kRecordName = "install.json";

fs::path self_path() {
  std::error_code ec;
  auto p = fs::canonical("/proc/self/exe", ec);
  if (ec)
    throw Error(ErrorCode::io_error,
                "cannot find this program's own path; pass --host /path/to/optguard");
  return p;
}

struct InstallArgs {
  std::vector<std::string> browsers;
  bool system = false;
  bool dry_run = false;
  std::string host;
  std::vector<std::string> user_data_dirs;
  bool windows_script = false;
};

int run_install(Services& services, const InstallArgs& a) {
  if (a.windows_script) {
    std::cout << in::powershell_script();
    return 0;
  }
  in::InstallOptions opt;
  for (const auto& name : a.browsers) {
    const auto b = in::browser_from_name(name);
    if (!b) {
      throw Error(
          ErrorCode::bad_params,
          "unknown browser '" + name + "': use chrome, chromium, edge, brave, vivaldi or firefox");
    }
    opt.browsers.push_back(*b);
  }
  opt.scope = a.system ? in::Scope::system : in::Scope::user;
  opt.dry_run = a.dry_run;
  opt.host_path = a.host.empty() ? self_path() : fs::absolute(a.host).lexically_normal();
  for (const auto& d : a.user_data_dirs) opt.chromium_user_data_dirs.emplace_back(fs::absolute(d));

  const auto env = in::Env::from_process();
  const auto& loc = services.home_location();
  const fs::path record_file = loc.path / kRecordName;
  // The home's folders that do not exist yet: install creates them, uninstall removes them.
  std::vector<fs::path> missing_home_dirs;
  std::error_code ec;
  for (fs::path p = loc.path; !p.empty() && !fs::exists(p, ec) && p != p.parent_path();
       p = p.parent_path()) {
    missing_home_dirs.insert(missing_home_dirs.begin(), p);
  }
  auto record = in::load_record(record_file);
  const auto result = in::install(opt, env, record);

  std::cout << (a.dry_run ? "optguard install --dry-run: nothing is written.\n" : "")
            << "Host: " << opt.host_path.string() << '\n';
  for (std::size_t i = 0; i < result.browsers.size(); ++i) {
    std::cout << in::display_name_of(result.browsers[i]) << " (" << result.reasons[i] << ")\n";
    for (const auto& act : result.actions) {
      if (act.browser != result.browsers[i] || act.custom) continue;
      const std::string verb =
          a.dry_run ? (act.change == in::Change::unchanged ? "up to date" : "would write")
                    : std::string(in::name_of(act.change));
      std::cout << "  " << verb << ' ' << act.file.string();
      if (!act.previous_host.empty() && act.previous_host != opt.host_path.string()) {
        std::cout << " (repaired: it named " << act.previous_host << ')';
      }
      if (!act.verified)
        std::cout << " (location not documented by the vendor: see docs/install.md)";
      std::cout << '\n';
      if (a.dry_run && act.change != in::Change::unchanged) std::cout << act.content;
    }
  }
  for (const auto& act : result.actions) {
    if (!act.custom) continue;
    std::cout << "Chromium with --user-data-dir=" << act.file.parent_path().parent_path().string()
              << "\n  "
              << (a.dry_run ? (act.change == in::Change::unchanged ? "up to date" : "would write")
                            : std::string(in::name_of(act.change)))
              << ' ' << act.file.string() << '\n';
    if (a.dry_run && act.change != in::Change::unchanged) std::cout << act.content;
  }
  const auto notes = in::detect_sandboxed(env, opt.host_path);
  if (!notes.empty()) std::cout << "\nSandboxed browsers:\n";
  for (const auto& n : notes) std::cout << in::to_text(n);

  if (!a.dry_run) {
    // Remember the home folder too when install created it, so uninstall leaves nothing.
    record.dirs.insert(record.dirs.begin(), missing_home_dirs.begin(), missing_home_dirs.end());
    services.home();  // creates it owner-only
    in::save_record(record_file, record);
    std::cout << "\nRecorded in " << record_file.string()
              << " (optguard uninstall removes exactly these).\n"
              << "Check it: optguard doctor\n";
  }
  return 0;
}

bool confirm_on_tty(const std::string& question) {
  if (::isatty(STDIN_FILENO) == 0) return false;
  std::cout << question << " Type 'yes' to continue: " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "yes";
}

int run_uninstall(Services& services, bool purge, bool yes, bool dry_run) {
  const auto& loc = services.home_location();
  const fs::path record_file = loc.path / kRecordName;
  std::error_code ec;
  const auto record = in::load_record(record_file);

  std::vector<std::string> lost;
  if (purge && fs::is_directory(loc.path, ec)) {
    for (const auto& e : fs::directory_iterator(loc.path, ec)) {
      if (e.path().filename() != kRecordName) lost.push_back(e.path().filename().string());
    }
    if (!lost.empty()) {
      std::cout << "--purge deletes " << loc.path.string() << " and everything in it:\n";
      for (const auto& l : lost) std::cout << "  " << l << '\n';
      std::cout
          << "Your ledger (the record of every opt-out and its evidence) and its key cannot be "
             "recovered afterwards. Export receipts first if you need them (optguard ledger "
             "export).\n";
      if (!yes && !dry_run && !confirm_on_tty("Delete them?")) {
        std::cerr << "optguard: not purged: "
                  << (::isatty(STDIN_FILENO) != 0 ? "not confirmed"
                                                  : "no terminal to ask; add --yes to confirm")
                  << ". Nothing was removed.\n";
        return 1;
      }
    }
  }

  if (!dry_run && fs::exists(record_file, ec)) fs::remove(record_file, ec);
  const auto result = in::uninstall(record, dry_run);
  const std::string verb = dry_run ? "would remove " : "removed ";
  for (const auto& p : result.removed) std::cout << verb << p.string() << '\n';
  for (const auto& p : result.dirs_removed) std::cout << verb << p.string() << "/\n";
  for (const auto& k : result.kept) std::cout << "kept " << k << '\n';
  if (record.empty())
    std::cout << "Nothing was recorded by optguard install in " << record_file.string() << ".\n";

  if (purge) {
    if (dry_run) {
      std::cout << "would delete " << loc.path.string() << '\n';
    } else if (fs::exists(loc.path, ec)) {
      fs::remove_all(loc.path, ec);
      if (ec)
        throw Error(ErrorCode::io_error,
                    "cannot delete " + loc.path.string() + ": " + ec.message());
      std::cout << "deleted " << loc.path.string() << '\n';
    }
  } else if (fs::exists(loc.path, ec)) {
    std::cout << "Kept your ledger and key in " << loc.path.string()
              << " (optguard uninstall --purge deletes them).\n";
  }
  return 0;
}
}  // namespace

void register_install_commands(CLI::App& app, Services& services) {
  auto a = std::make_shared<InstallArgs>();
  auto* install = cli::add_command(
      app, "install",
      "Register the native-messaging host with every browser found (or each --browser)",
      [&services, a] { return run_install(services, *a); });
  install->add_option("--browser", a->browsers,
                      "chrome, chromium, edge, brave, vivaldi or firefox (repeatable)");
  install->add_flag("--system", a->system, "All users: system-wide folders (needs root)");
  install->add_flag("--dry-run", a->dry_run, "Print what would be written, write nothing");
  install->add_option("--host", a->host,
                      "The host program the manifests name (default: this optguard)");
  install->add_option("--chromium-user-data-dir", a->user_data_dirs,
                      "Also register for Chromium started with --user-data-dir=DIR (repeatable)");
  install->add_flag("--windows-script", a->windows_script,
                    "Print the PowerShell script that registers optguard on Windows");

  auto purge = std::make_shared<bool>(false);
  auto yes = std::make_shared<bool>(false);
  auto dry = std::make_shared<bool>(false);
  auto* uninstall = cli::add_command(
      app, "uninstall", "Remove exactly what optguard install wrote",
      [&services, purge, yes, dry] { return run_uninstall(services, *purge, *yes, *dry); });
  uninstall->add_flag("--purge", *purge, "Also delete the ledger, its key and every optguard file");
  uninstall->add_flag("--yes", *yes, "Do not ask before --purge deletes the ledger");
  uninstall->add_flag("--dry-run", *dry, "Print what would be removed, remove nothing");
}

}  // namespace optguard::app

// compile-dnr, and `filters add|remove|list` for the custom filters.
#include <libpsl.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <vector>

#include "app/commands.hpp"
#include "app/dnr_lists.hpp"
#include "cli/cli.hpp"
#include "common/errors.hpp"
#include "filters/custom/atomic_file.hpp"
#include "filters/custom/custom_filters.hpp"
#include "filters/dnr/compiler.hpp"
#include "optguard/version.hpp"

namespace optguard::app {

namespace {

namespace dnr = filters::dnr;

void print_counts(std::ostream& out, const char* label, const nlohmann::json& counts) {
  if (counts.empty()) return;
  out << "  " << label << ":\n";
  std::vector<std::pair<std::size_t, std::string>> sorted;
  for (auto it = counts.begin(); it != counts.end(); ++it)
    sorted.emplace_back(it.value().get<std::size_t>(), it.key());
  std::sort(sorted.rbegin(), sorted.rend());
  for (const auto& [n, why] : sorted) out << "    " << n << "  " << why << '\n';
}

// The public suffix list as text for the extension (lib/public-suffix.js), so it judges sites as
// the host does: the published file beside the compiled one libpsl reads (Debian's
// `publicsuffix` ships both), else Debian's usual place.
std::optional<std::filesystem::path> public_suffix_source() {
  std::vector<std::filesystem::path> candidates;
  if (const char* dist = psl_dist_filename(); dist != nullptr && *dist != '\0')
    candidates.push_back(std::filesystem::path(dist).replace_extension(".dat"));
  candidates.emplace_back("/usr/share/publicsuffix/public_suffix_list.dat");
  for (const auto& c : candidates) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(c, ec)) return c;
  }
  return std::nullopt;
}

int compile_dnr(Services& services, const std::string& out_dir, bool json) {
  const auto lists = dnr_lists(services);
  const auto compiled = dnr::compile_rulesets(lists);
  std::filesystem::create_directories(out_dir);
  for (const auto& rs : compiled.rulesets) {
    filters::write_file_atomically(std::filesystem::path(out_dir) / (rs.ruleset.id + ".json"),
                                   rs.ruleset.rules.dump(1) + "\n", 0644);
  }
  filters::write_file_atomically(std::filesystem::path(out_dir) / "report.json",
                                 compiled.report.dump() + "\n", 0644);
  const auto psl_source = public_suffix_source();
  if (psl_source) {
    auto text = filters::read_file_if_exists(psl_source->string());
    if (!text) throw Error(ErrorCode::io_error, "cannot read " + psl_source->string());
    filters::write_file_atomically(std::filesystem::path(out_dir) / "public_suffix_list.dat", *text,
                                   0644);
  } else {
    std::cerr << "compile-dnr: no public suffix list text found (Debian package publicsuffix); "
                 "the extension will approximate sites\n";
  }
  auto summary = dnr::report_summary(compiled.report);
  summary["public_suffix_list"] =
      psl_source ? nlohmann::json(psl_source->string()) : nlohmann::json(nullptr);
  if (json) {
    std::cout << summary.dump(2) << '\n';
    return 0;
  }
  for (const auto& r : summary["rulesets"]) {
    std::cout << r["id"].get<std::string>() << " (" << r["list"].get<std::string>() << ", "
              << r["source"].get<std::string>() << "): " << r["rules"] << " rules ("
              << r["regex_rules"] << " regex) from " << r["filters"]["total"]
              << " network filters: " << r["filters"]["exact"] << " exact, "
              << r["filters"]["lossy"] << " lossy, " << r["filters"]["dropped"] << " dropped\n";
    print_counts(std::cout, "lossy", r["losses"]);
    print_counts(std::cout, "dropped", r["dropped_reasons"]);
    print_counts(std::cout, "not network filters (parser)", r["parser_skipped"]);
  }
  const auto& t = summary["totals"];
  std::cout << "total: " << t["rules"] << " of " << t["max_rules"] << " static rules, "
            << t["regex_rules"] << " of " << t["max_regex_rules"] << " regex rules; wrote "
            << out_dir << "/{advertising,tracking,social,report}.json"
            << (psl_source ? " and public_suffix_list.dat (from " + psl_source->string() + ")" : "")
            << '\n';
  return 0;
}

std::string read_input(const std::vector<std::string>& args, const std::string& file) {
  std::string text;
  if (!file.empty()) {
    if (file == "-") {
      text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
      auto content = filters::read_file_if_exists(file);
      if (!content) throw Error(ErrorCode::not_found, "no such file: " + file);
      text = *content;
    }
  }
  for (const auto& a : args) text += a + "\n";
  return text;
}

}  // namespace

void register_dnr_commands(CLI::App& app, Services& services) {
  auto out = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* compile =
      cli::add_command(app, "compile-dnr",
                       "Compile the filter lists into declarativeNetRequest rulesets (advertising, "
                       "tracking, social) "
                       "and a report of what was translated exactly, with a loss, or dropped",
                       [&services, out, json] { return compile_dnr(services, *out, *json); });
  compile
      ->add_option("--out", *out,
                   "Folder to write advertising.json, tracking.json, social.json, report.json "
                   "and public_suffix_list.dat")
      ->required();
  compile->add_flag("--json", *json, "Print the summary as JSON");

  auto* group = app.add_subcommand("filters",
                                   "Manage your custom filters ("
                                   "<home>/filters/custom.txt)");
  group->require_subcommand(1);

  auto add_args = std::make_shared<std::vector<std::string>>();
  auto add_file = std::make_shared<std::string>();
  auto add_json = std::make_shared<bool>(false);
  auto* add = cli::add_command(
      *group, "add", "Add filters (EasyList syntax); every line is validated",
      [&services, add_args, add_file, add_json] {
        const std::string text = read_input(*add_args, *add_file);
        if (text.empty())
          throw Error(ErrorCode::bad_params,
                      "no filters given (pass them as arguments or with --file)");
        filters::CustomFilters custom(custom_filters_path(services));
        const auto r = custom.add(text);
        if (*add_json) {
          nlohmann::json errors = nlohmann::json::array();
          for (const auto& e : r.errors)
            errors.push_back({{"line", e.line}, {"text", e.text}, {"message", e.message}});
          std::cout << nlohmann::json{{"added", r.added}, {"errors", errors}}.dump(2) << '\n';
        } else {
          std::cout << "added " << r.added << " filter" << (r.added == 1 ? "" : "s") << '\n';
          for (const auto& e : r.errors)
            std::cerr << "line " << e.line << ": " << e.text << ": " << e.message << '\n';
        }
        return r.errors.empty() ? 0 : 1;
      });
  add->add_option("filters", *add_args, "Filter lines");
  add->add_option("--file", *add_file, "Read filter lines from a file ('-' for stdin)");
  add->add_flag("--json", *add_json, "Print the result as JSON");

  auto rm_args = std::make_shared<std::vector<std::string>>();
  auto rm_json = std::make_shared<bool>(false);
  auto* rm = cli::add_command(
      *group, "remove", "Remove custom filters (exact text)", [&services, rm_args, rm_json] {
        filters::CustomFilters custom(custom_filters_path(services));
        const int removed = custom.remove(*rm_args);
        if (*rm_json)
          std::cout << nlohmann::json{{"removed", removed}}.dump(2) << '\n';
        else
          std::cout << "removed " << removed << " filter" << (removed == 1 ? "" : "s") << '\n';
        return removed > 0 ? 0 : 1;
      });
  rm->add_option("filters", *rm_args, "Filters to remove, as written")->required();
  rm->add_flag("--json", *rm_json, "Print the result as JSON");

  auto ls_json = std::make_shared<bool>(false);
  cli::add_command(
      *group, "list", "List the custom filters with their line numbers",
      [&services, ls_json] {
        filters::CustomFilters custom(custom_filters_path(services));
        const auto lines = custom.lines();
        if (*ls_json) {
          nlohmann::json list = nlohmann::json::array();
          for (const auto& l : lines) list.push_back({{"line", l.line}, {"text", l.text}});
          std::cout << nlohmann::json{{"filters", list}, {"text", custom.text()}}.dump(2) << '\n';
        } else {
          for (const auto& l : lines) std::cout << l.line << '\t' << l.text << '\n';
        }
        return 0;
      })
      ->add_flag("--json", *ls_json, "Print as JSON");
}

}  // namespace optguard::app

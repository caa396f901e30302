// The filter engine's subcommands: check, lists, bench match.
#include <malloc.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "app/commands.hpp"
#include "app/engine_json.hpp"
#include "cli/cli.hpp"
#include "common/errors.hpp"
#include "common/temp_dir.hpp"
#include "filters/cache.hpp"
#include "filters/catalogue.hpp"
#include "filters/engine.hpp"

namespace optguard::app {

namespace fs = std::filesystem;
using filters::Category;
using filters::CategoryMask;

namespace {

// A URL typed without a scheme ("example.com/ads.js") is taken as https.
std::string cli_url(const std::string& url) {
  if (url.empty() || url.find("://") != std::string::npos || url.rfind("data:", 0) == 0 ||
      url.rfind("blob:", 0) == 0 || url.rfind("about:", 0) == 0) {
    return url;
  }
  return "https://" + url;
}

CategoryMask mask_from(const std::vector<std::string>& off) {
  CategoryMask mask = filters::kAllCategories;
  for (const std::string& name : off) {
    const auto c = filters::category_from_name(name);
    if (!c) {
      throw Error(ErrorCode::bad_params, "unknown category '" + name +
                                             "' (advertising, tracking, social, custom, learned)");
    }
    mask = static_cast<CategoryMask>(mask & ~filters::category_bit(*c));
  }
  return mask;
}

std::string verdict_text(const filters::Verdict& v) {
  std::string out(filters::decision_name(v.decision));
  if (v.decision != filters::Decision::none) {
    out += '\t';
    out += v.category ? filters::category_name(*v.category) : "-";
    out += '\t';
    out += v.list;
    out += '\t';
    out += v.filter;
  }
  return out;
}

struct CheckArgs {
  std::string url, source, type = "other", batch;
  std::vector<std::string> off;
  bool json = false;
};

int run_check(Services& services, const CheckArgs& a) {
  const CategoryMask mask = mask_from(a.off);
  if (a.batch.empty()) {
    if (a.url.empty()) throw Error(ErrorCode::bad_params, "give a URL, or --batch FILE");
    if (!filters::is_known_type_name(a.type))
      throw Error(ErrorCode::bad_params, "unknown request type '" + a.type + "'");
    const filters::Engine& engine = services.engine();
    const std::string url = cli_url(a.url);
    const std::string source = a.source.empty() ? std::string() : cli_url(a.source);
    const filters::Verdict v = engine.match(url, source, a.type, mask);
    if (a.json) {
      std::cout << verdict_json(v).dump() << '\n';
    } else {
      std::cout << "verdict:  " << filters::decision_name(v.decision) << '\n';
      if (v.decision != filters::Decision::none) {
        std::cout << "category: " << (v.category ? filters::category_name(*v.category) : "-")
                  << '\n'
                  << "list:     " << v.list << '\n'
                  << "filter:   " << v.filter << '\n';
      }
    }
    return 0;
  }
  std::ifstream file;
  std::istream* in = &std::cin;
  if (a.batch != "-") {
    file.open(a.batch, std::ios::binary);
    if (!file) throw Error(ErrorCode::io_error, "cannot read " + a.batch);
    in = &file;
  }
  const filters::Engine& engine = services.engine();
  filters::Request req;
  std::string line;
  std::string out;
  int errors = 0;
  std::size_t lineno = 0;
  while (std::getline(*in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string message;
    try {
      const nlohmann::json j = nlohmann::json::parse(line);
      if (!j.is_object() || !j.contains("url") || !j["url"].is_string()) {
        message =
            "line " + std::to_string(lineno) + R"(: expected {"url": string, "source"?, "type"?})";
      } else {
        const std::string url = j["url"].get<std::string>();
        const std::string source = j.value("source", std::string());
        const std::string type = j.value("type", std::string("other"));
        req.assign(url, source, type);  // req views these strings: they outlive the match
        const filters::Verdict v = engine.match(req, mask);
        out = a.json ? verdict_json(v).dump() : verdict_text(v);
      }
    } catch (const nlohmann::json::exception& e) {
      message = "line " + std::to_string(lineno) + ": " + e.what();
    }
    if (!message.empty()) {
      ++errors;
      out = a.json ? nlohmann::json{{"verdict", nullptr}, {"error", message}}.dump()
                   : "error\t" + message;
    }
    out += '\n';
    std::cout << out;
  }
  std::cout.flush();
  return errors == 0 ? 0 : 1;
}

int run_lists(Services& services, bool json) {
  const fs::path home = services.home();
  const filters::Engine& engine = services.engine();
  const auto entries = filters::default_catalogue(home);
  const auto stats = engine.lists();
  if (json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& e : entries) arr.push_back(list_json(e, stats));
    std::cout << nlohmann::json{{"lists", arr}, {"cache", filters::cache_path(home).string()}}.dump(
                     2)
              << '\n';
    return 0;
  }
  for (const auto& e : entries) {
    const nlohmann::json j = list_json(e, stats);
    std::cout << e.name << " (" << filters::category_name(e.category) << ", " << e.origin << ")";
    if (!e.present) {
      std::cout << ": absent" << (e.path.empty() ? "" : " (" + e.path.string() + ")") << '\n';
      continue;
    }
    std::cout << ": " << j["loaded"].get<std::uint32_t>() << " filters loaded, "
              << j["skipped"].get<std::uint32_t>() << " lines skipped";
    if (j["badfiltered"].get<std::uint32_t>() != 0) {
      std::cout << ", " << j["badfiltered"].get<std::uint32_t>() << " cancelled by $badfilter";
    }
    std::cout << '\n';
    if (!e.path.empty()) std::cout << "  " << e.path.string() << '\n';
    for (const auto& [reason, count] : j["skipped_by_reason"].items()) {
      if (count.get<std::uint32_t>() != 0)
        std::cout << "  skipped " << reason << ": " << count.get<std::uint32_t>() << '\n';
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// optguard bench match

double rss_mb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

// A request of the corpus: views into one buffer that holds every row's strings in file
// order, as a batch of requests arrives in one message. (Three heap strings a row, spread
// among the JSON parser's own allocations, made the timed pass wait on scattered input
// reads, ~7 % of the median here; the peers' strings are allocated in order by V8.)
struct CorpusRow {
  std::string_view url, source, type;
};
struct Corpus {
  std::string text;
  std::vector<CorpusRow> rows;
};

// `rows` copied into `out`: one buffer of their strings in order, and views of it.
void copy_rows(std::span<const CorpusRow> rows, Corpus& out) {
  out.text.clear();
  out.rows.clear();
  for (const CorpusRow& r : rows) {
    out.text += r.url;
    out.text += r.source;
    out.text += r.type;
  }
  // The views are taken once the buffer has stopped growing.
  const std::string_view text = out.text;
  std::size_t at = 0;
  for (const CorpusRow& r : rows) {
    out.rows.push_back({text.substr(at, r.url.size()),
                        text.substr(at + r.url.size(), r.source.size()),
                        text.substr(at + r.url.size() + r.source.size(), r.type.size())});
    at += r.url.size() + r.source.size() + r.type.size();
  }
}

double ms_between(std::chrono::steady_clock::time_point a,
                  std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

struct BenchArgs {
  std::string corpus;
  bool json = false;
  bool all_lists = false;
  int parse_runs = 3;
  int repeat = 1;  // matching passes (for a profiler; the figures are of the last one)
};

int run_bench_match(const BenchArgs& a) {
  using clock = std::chrono::steady_clock;
  // The corpus, decoded up front (like the peers, JSON decoding is not timed).
  Corpus corpus;
  {
    std::ifstream in(a.corpus, std::ios::binary);
    if (!in) throw Error(ErrorCode::io_error, "cannot read " + a.corpus);
    std::vector<std::array<std::string, 3>> parsed;
    std::string line;
    while (std::getline(in, line)) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_object() || !j.contains("url")) continue;
      parsed.push_back({j.value("url", ""), j.value("source", ""), j.value("type", "other")});
    }
    std::vector<CorpusRow> views;
    views.reserve(parsed.size());
    for (const auto& [url, source, type] : parsed) views.push_back({url, source, type});
    copy_rows(views, corpus);
  }
  const std::vector<CorpusRow>& rows = corpus.rows;
  if (rows.empty()) throw Error(ErrorCode::bad_params, "the corpus has no requests");

  // The lists: EasyList + EasyPrivacy as the peers get them (or the whole catalogue).
  const TempDir scratch("optguard-bench-");
  const fs::path& dir = scratch.path();
  auto entries = filters::default_catalogue(dir);
  if (!a.all_lists) {
    std::erase_if(entries, [](const filters::CatalogueEntry& e) {
      return e.category != Category::advertising && e.category != Category::tracking;
    });
  }
  std::erase_if(entries, [](const filters::CatalogueEntry& e) { return !e.present; });
  if (entries.empty()) throw Error(ErrorCode::not_found, "no lists found (is EasyList installed?)");
  filters::LoadedCatalogue loaded = filters::read_catalogue(entries);

  // Parse + compile time: median of a few runs.
  std::vector<double> parse_runs;
  std::size_t filter_count = 0;
  const fs::path cache_file = dir / "engine.bin";
  for (int i = 0; i < std::max(1, a.parse_runs); ++i) {
    const auto t0 = clock::now();
    filters::Engine built = filters::Engine::build(loaded.sources, loaded.fingerprints);
    parse_runs.push_back(ms_between(t0, clock::now()));
    filter_count = built.matcher().filter_count();
    if (i == 0) filters::write_cache_file(cache_file, built);
  }
  std::sort(parse_runs.begin(), parse_runs.end());
  const double parse_ms = parse_runs[parse_runs.size() / 2];
  loaded = {};
  ::malloc_trim(0);

  // Cache load: map + validate, median of a few runs; the last one is the engine measured.
  const double rss_before = rss_mb();
  std::vector<double> load_runs;
  std::optional<filters::Engine> engine;
  for (int i = 0; i < 5; ++i) {
    engine.reset();
    const auto t0 = clock::now();
    engine = filters::read_cache_file(cache_file);
    load_runs.push_back(ms_between(t0, clock::now()));
    if (!engine) throw Error(ErrorCode::internal, "the cache just written does not load");
  }
  std::sort(load_runs.begin(), load_runs.end());
  const double cache_load_ms = load_runs[load_runs.size() / 2];

  // Warm-up pass: same work, results discarded (the engine keeps no per-request state).
  filters::Request req;
  std::size_t warm_blocked = 0;
  for (int pass = 1; pass < a.repeat; ++pass) {
    for (const CorpusRow& r : rows) {
      req.assign(r.url, r.source, r.type);
      warm_blocked += engine->match(req).decision == filters::Decision::block ? 1 : 0;
    }
  }
  for (const CorpusRow& r : rows) {
    req.assign(r.url, r.source, r.type);
    warm_blocked += engine->match(req).decision == filters::Decision::block ? 1 : 0;
  }
  // Timed pass: each request from its raw strings (URL parsing included), in batches of
  // classify's size, each batch's strings copied to one buffer just before it is timed (not
  // timed), as decoding a message writes its strings just before the host matches them.
  // Read from the whole corpus's buffer instead (~5 MB, each string touched once a pass),
  // each request waited on memory for its first bytes: 0.233 against 0.218 us median here,
  // a wait no request in the host has. engines.mjs gives the peers fresh strings per batch.
  constexpr std::size_t kBatch = 1000;  // requests per classify message (messages_engine.cpp)
  const auto batch_at = [&](std::size_t from) {
    return std::span(rows).subspan(from, std::min(kBatch, rows.size() - from));
  };
  // The harness's own buffers are not the engine's memory: sized and written here (the batch
  // buffer then holds the largest batch), and what they add to the process is left out.
  const double rss_harness0 = rss_mb();
  Corpus batch;
  for (std::size_t from = 0; from < rows.size(); from += kBatch) copy_rows(batch_at(from), batch);
  std::vector<double> times(rows.size());
  times.clear();
  const double harness_mb = rss_mb() - rss_harness0;
  // A batch's times go to a small array first, which stays cached: written straight to the
  // 220 KB vector, each request's store went to a line long out of the cache (its pages were
  // written above), and that alone moved the median by 4 % (0.220 against 0.212 us).
  std::array<clock::duration, kBatch> batch_times{};
  std::size_t blocked = 0;
  double total_ms = 0;
  for (std::size_t from = 0; from < rows.size(); from += kBatch) {
    copy_rows(batch_at(from), batch);
    std::size_t k = 0;
    const auto total0 = clock::now();
    for (const CorpusRow& r : batch.rows) {
      const auto t0 = clock::now();
      req.assign(r.url, r.source, r.type);
      const bool b = engine->match(req).decision == filters::Decision::block;
      const auto t1 = clock::now();
      blocked += b ? 1 : 0;
      batch_times[k++] = t1 - t0;
    }
    total_ms += ms_between(total0, clock::now());
    for (std::size_t i = 0; i < k; ++i)
      times.push_back(std::chrono::duration<double, std::micro>(batch_times[i]).count());
  }
  const double rss_after = rss_mb();
  // Cost of the two clock reads around each request (included in the figures above).
  const auto o0 = clock::now();
  for (int i = 0; i < 100000; ++i) {
    const auto x = clock::now();
    (void)x;
  }
  const double timer_us =
      std::chrono::duration<double, std::micro>(clock::now() - o0).count() / 100000.0;

  std::vector<double> sorted = times;
  std::sort(sorted.begin(), sorted.end());
  const auto pct = [&](double p) {
    const auto idx = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
    return sorted[idx];
  };
  double sum = 0;
  for (double t : times) sum += t;
  const double mean = sum / static_cast<double>(times.size());
  const double engine_mb = rss_after - rss_before - harness_mb;
  (void)warm_blocked;

  if (a.json) {
    std::cout << nlohmann::json{{"engine", "optguard"},
                                {"requests", times.size()},
                                {"blocked", blocked},
                                {"filters", filter_count},
                                {"parse_ms", parse_ms},
                                {"parse_runs", parse_runs.size()},
                                {"cache_load_ms", cache_load_ms},
                                {"rss_mb", engine_mb},
                                {"rss_total_mb", rss_after},
                                {"median_us", pct(0.5)},
                                {"p99_us", pct(0.99)},
                                {"mean_us", mean},
                                {"timed_pass_ms", total_ms},
                                {"timer_overhead_us", timer_us}}
                     .dump()
              << '\n';
  } else {
    std::printf("requests      %zu (blocked %zu)\n", times.size(), blocked);
    std::printf("filters       %zu\n", filter_count);
    std::printf("parse         %.1f ms (median of %zu)\n", parse_ms, parse_runs.size());
    std::printf("cache load    %.2f ms\n", cache_load_ms);
    std::printf("memory        %.1f MB added by the engine (process RSS %.1f MB)\n", engine_mb,
                rss_after);
    std::printf("per request   median %.3f us, p99 %.3f us, mean %.3f us (incl. ~%.3f us timer)\n",
                pct(0.5), pct(0.99), mean, timer_us);
    std::printf("timed pass    %.1f ms\n", total_ms);
    const auto ix = engine->matcher().index_stats();
    std::printf("index         host %zu, token %zu, document %zu, unindexed %zu filters\n",
                ix.host_filters, ix.token_filters, ix.doc_filters, ix.any_filters);
    for (std::uint32_t id : engine->matcher().unindexed_filters())
      std::printf("  unindexed   %s\n", std::string(engine->matcher().filter_text(id)).c_str());
  }
  return 0;
}

}  // namespace

void register_engine_commands(CLI::App& app, Services& services) {
  auto ca = std::make_shared<CheckArgs>();
  auto* check = cli::add_command(
      app, "check", "Classify a request (or a JSON-lines batch) with the filter engine",
      [&services, ca] { return run_check(services, *ca); });
  check->add_option("url", ca->url, "The URL requested");
  check->add_option("--source", ca->source, "The URL of the document that made the request");
  check->add_option("--type", ca->type, "Request type in webRequest naming (default: other)");
  check->add_option("--batch", ca->batch,
                    "JSON-lines file of {url, source, type} ('-' = stdin); one verdict a line");
  check->add_option("--off", ca->off,
                    "Switch a category off (repeatable): advertising, tracking, social, ...");
  check->add_flag("--json", ca->json, "Print JSON ({verdict, category, filter, list})");

  auto lj = std::make_shared<bool>(false);
  cli::add_command(app, "lists",
                   "Show each filter list: filters loaded and lines skipped by reason",
                   [&services, lj] { return run_lists(services, *lj); })
      ->add_flag("--json", *lj, "Print as JSON");

  CLI::App* bench = &cli::command_group(
      app, "bench", "Benchmarks (figures beside a baseline measured in the same run)");
  auto ba = std::make_shared<BenchArgs>();
  auto* bm = cli::add_command(
      *bench, "match",
      "Time the filter engine on a request corpus (EasyList + EasyPrivacy): parse, cache "
      "load, memory, per-request median/p99/mean",
      [ba] { return run_bench_match(*ba); });
  bm->add_option("--corpus", ba->corpus, "JSON-lines file of {url, source, type}")->required();
  bm->add_flag("--json", ba->json, "Print as JSON");
  bm->add_flag("--all-lists", ba->all_lists,
               "Use the whole catalogue, not just EasyList + EasyPrivacy");
  bm->add_option("--repeat", ba->repeat, "Matching passes before the timed one (for profiling)");
  bm->add_option("--parse-runs", ba->parse_runs,
                 "How many times to build from the lists (median reported)")
      ->check(CLI::Range(1, 20));
}

}  // namespace optguard::app

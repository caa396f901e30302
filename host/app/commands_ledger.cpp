// The ledger's subcommands: choices, choice set, ledger list|export|verify, key ..., bench ledger.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "app/commands.hpp"
#include "cli/cli.hpp"
#include "common/errors.hpp"
#include "common/temp_dir.hpp"
#include "ledger/bench.hpp"
#include "ledger/ledger.hpp"
#include "ledger/render.hpp"

namespace optguard::app {
namespace {
namespace fs = std::filesystem;
using Json = nlohmann::json;

struct SelectionArgs {
  std::string site, since, until, type;
  ledger::Selection get() const {
    ledger::Selection s;
    if (!site.empty()) s.site = site;
    if (!since.empty()) s.since_ms = ledger::parse_time(since, false);
    if (!until.empty()) s.until_ms = ledger::parse_time(until, true);
    if (!type.empty()) s.type = type;
    return s;
  }
  void add_to(CLI::App* cmd, bool with_type) {
    cmd->add_option("--site", site, "Only records of this site (any host; matched by its eTLD+1)");
    cmd->add_option("--since", since,
                    "From this day (YYYY-MM-DD, UTC) or time (YYYY-MM-DDTHH:MM:SSZ)");
    cmd->add_option("--until", until, "Up to and including this day or time");
    if (with_type) {
      cmd->add_option(
          "--type", type,
          "Only records of this type (choice, signals, blocked, gpc_json, browser_setting)");
    }
  }
};

void print_state(const ledger::State& st) {
  std::cout << "Global:\n";
  for (const auto& k : ledger::kChoiceKeys) {
    const bool v = st.global.at(std::string(k.name));
    const bool browser = ledger::is_browser_key(k.name);
    std::cout << "  " << k.name << std::string(30 - k.name.size(), ' ')
              << (browser ? (v ? "allowed" : "off") : (v ? "on" : "off"))
              << (v == k.default_value ? "" : "   (changed from the default)") << '\n';
  }
  if (st.sites.empty()) {
    std::cout << "Sites: none with their own choices\n";
    return;
  }
  std::cout << "Sites:\n";
  for (const auto& [site, keys] : st.sites) {
    std::cout << "  " << site << ':';
    for (const auto& [k, v] : keys) std::cout << ' ' << k << '=' << (v ? "on" : "off");
    std::cout << '\n';
  }
}

// The new passphrase: OPTGUARD_NEW_PASSPHRASE, else asked twice on the terminal.
ledger::WipedString new_passphrase() {
  if (const char* v = std::getenv("OPTGUARD_NEW_PASSPHRASE"); v != nullptr && *v != '\0') {
    return ledger::WipedString(std::string(v));
  }
  auto p = ledger::prompt_passphrase("New ledger passphrase: ", true);
  if (!p || p->str().empty()) {
    throw Error(ErrorCode::bad_params,
                "no passphrase given: set OPTGUARD_NEW_PASSPHRASE or run in a terminal");
  }
  return std::move(*p);
}

void write_out(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out) throw Error(ErrorCode::io_error, "cannot write " + path);
}
}  // namespace

void register_ledger_commands(CLI::App& app, Services& services) {
  // optguard choices [--json]
  auto choices_json = std::make_shared<bool>(false);
  cli::add_command(app, "choices", "Show the current choices (global and per site)",
                   [&services, choices_json] {
                     const ledger::State st = services.ledger().state();
                     if (*choices_json)
                       std::cout << st.to_json().dump(2) << '\n';
                     else
                       print_state(st);
                     return 0;
                   })
      ->add_flag("--json", *choices_json, "Print as JSON (the get_state result)");

  // optguard choice set KEY on|off [--site S]
  CLI::App* choice = app.add_subcommand("choice", "Change a choice");
  choice->require_subcommand(1);
  struct ChoiceArgs {
    std::string key, value, site;
    bool json = false;
  };
  auto ca = std::make_shared<ChoiceArgs>();
  auto* set = cli::add_command(
      *choice, "set", "Set KEY on or off, everywhere or for one site (recorded as source cli)",
      [&services, ca] {
        const bool v = ca->value == "on" || ca->value == "true" || ca->value == "allow";
        auto [seq, st] = services.ledger().set_choice(ca->site, ca->key, v, "cli");
        if (ca->json) {
          std::cout << Json{{"seq", seq}, {"state", st.to_json()}}.dump(2) << '\n';
        } else {
          std::cout << "Recorded as #" << seq << ": " << ca->key << " " << (v ? "on" : "off")
                    << (ca->site.empty() ? " everywhere" : " for " + ca->site) << '\n';
        }
        return 0;
      });
  std::string keys_help = "One of:";
  for (const auto& k : ledger::kChoiceKeys) keys_help += " " + std::string(k.name);
  set->add_option("KEY", ca->key, keys_help)->required();
  set->add_option("VALUE", ca->value,
                  "on or off (for browser:* keys: on = the browser feature is allowed)")
      ->required()
      ->check(CLI::IsMember({"on", "off", "true", "false", "allow", "block"}));
  set->add_option("--site", ca->site, "Only for this site (any host; stored by its eTLD+1)");
  set->add_flag("--json", ca->json, "Print the seq and new state as JSON");

  CLI::App* led =
      app.add_subcommand("ledger", "The encrypted, tamper-evident record of choices and opt-outs");
  led->require_subcommand(1);

  // optguard ledger list
  struct ListArgs {
    SelectionArgs sel;
    bool json = false;
  };
  auto la = std::make_shared<ListArgs>();
  auto* list = cli::add_command(*led, "list", "List the records (decrypted)", [&services, la] {
    const ledger::Selection sel = la->sel.get();
    if (la->json) {
      Json out = Json::array();
      services.ledger().list(sel, [&](const ledger::Record& r) {
        out.push_back(r.to_json());
        return true;
      });
      std::cout << Json{{"records", out}}.dump(2) << '\n';
      return 0;
    }
    std::int64_t n = 0;
    services.ledger().list(sel, [&](const ledger::Record& r) {
      const Json j = r.to_json();
      std::cout << r.seq << '\t' << j["time"].get<std::string>() << '\t'
                << ledger::describe_record(j) << '\n';
      ++n;
      return true;
    });
    if (n == 0) std::cerr << "no records\n";
    return 0;
  });
  la->sel.add_to(list, true);
  list->add_flag("--json", la->json, "Print as JSON ({\"records\": [...]}, as ledger_list)");

  // optguard ledger export
  struct ExportArgs {
    SelectionArgs sel;
    std::string out, format = "json";
  };
  auto ea = std::make_shared<ExportArgs>();
  auto* exp =
      cli::add_command(*led, "export", "Write a signed receipt of the records", [&services, ea] {
        const Json receipt = services.ledger().export_receipt(ea->sel.get());
        std::string text;
        if (ea->format == "json")
          text = receipt.dump(2) + "\n";
        else if (ea->format == "text")
          text = ledger::render_receipt_text(receipt);
        else
          text = ledger::render_receipt_html(receipt);
        write_out(ea->out, text);
        std::cerr << "wrote " << receipt["records"].size() << " records to " << ea->out << " ("
                  << ea->format << "), signed by " << receipt["public_key"].get<std::string>()
                  << '\n';
        return 0;
      });
  ea->sel.add_to(exp, true);
  exp->add_option("--out", ea->out, "The receipt file")->required();
  exp->add_option("--format", ea->format, "json (verifiable), text or html (for people)")
      ->check(CLI::IsMember({"json", "text", "html"}));

  // optguard ledger verify [FILE]
  struct VerifyArgs {
    std::string file, public_key;
    bool json = false;
  };
  auto va = std::make_shared<VerifyArgs>();
  auto* ver = cli::add_command(
      *led, "verify", "Check the whole ledger, or a receipt FILE (no key needed)", [&services, va] {
        ledger::VerifyResult r;
        if (va->file.empty()) {
          r = services.ledger().verify();
        } else {
          std::ifstream in(va->file, std::ios::binary);
          if (!in) throw Error(ErrorCode::not_found, "cannot read " + va->file);
          const Json receipt = Json::parse(in, nullptr, false);
          r = ledger::verify_receipt(receipt, va->public_key);
        }
        if (va->json)
          std::cout << r.to_json().dump(2) << '\n';
        else
          std::cout << (r.ok ? "OK: " : "FAILED: ") << r.message << '\n';
        return r.ok ? 0 : 1;
      });
  ver->add_option("FILE", va->file, "A receipt written by `optguard ledger export` (JSON)");
  ver->add_option("--public-key", va->public_key,
                  "Also require the receipt to be signed by this key (base64)");
  ver->add_flag("--json", va->json, "Print as JSON (the ledger_verify result)");

  // optguard key ...
  CLI::App* key = app.add_subcommand("key", "The ledger key: passphrase, rotation, backup");
  key->require_subcommand(1);
  CLI::App* pass = key->add_subcommand("passphrase",
                                       "Protect the key with a passphrase (Argon2id) or remove it");
  pass->require_subcommand(1);
  cli::add_command(
      *pass, "set", "Wrap the key with a new passphrase (OPTGUARD_NEW_PASSPHRASE or asked)",
      [&services] {
        const ledger::WipedString p = new_passphrase();
        services.ledger().set_passphrase(
            std::optional<ledger::WipedString>(ledger::WipedString(std::string(p.str()))));
        std::cout << "The ledger key is now protected by the passphrase. Without it the ledger "
                     "cannot be read.\n";
        return 0;
      });
  cli::add_command(*pass, "remove", "Store the key without a passphrase (owner-only file)",
                   [&services] {
                     services.ledger().set_passphrase(std::nullopt);
                     std::cout << "The ledger key is no longer protected by a passphrase.\n";
                     return 0;
                   });
  cli::add_command(*key, "rotate", "Re-encrypt the whole ledger under a new key", [&services] {
    auto& l = services.ledger();
    const std::string old_id = l.keys().key_id();
    l.rotate_key();
    std::cout << "Re-keyed " << l.count() << " records: key " << old_id << " -> "
              << l.keys().key_id() << ". Make a new backup: optguard key backup --out FILE\n";
    return 0;
  });
  auto backup_out = std::make_shared<std::string>();
  cli::add_command(*key, "backup",
                   "Copy the key file (keep it somewhere safe: losing it loses the ledger)",
                   [&services, backup_out] {
                     services.ledger().backup_key(*backup_out);
                     std::cout << "Wrote the ledger key to " << *backup_out << " (mode 0600).\n";
                     return 0;
                   })
      ->add_option("--out", *backup_out, "Where to write the copy (must not exist)")
      ->required();
  auto show_json = std::make_shared<bool>(false);
  cli::add_command(*key, "show",
                   "Show the key id, the receipt-signing public key and the protection",
                   [&services, show_json] {
                     auto& l = services.ledger();
                     const Json j{{"key_id", l.keys().key_id()},
                                  {"public_key", ledger::to_base64(l.keys().public_key())},
                                  {"passphrase", l.key_wrapped()},
                                  {"ledger_id", l.ledger_id()}};
                     if (*show_json)
                       std::cout << j.dump(2) << '\n';
                     else
                       std::cout << "key id:     " << j["key_id"].get<std::string>()
                                 << "\npublic key: " << j["public_key"].get<std::string>()
                                 << " (Ed25519, signs receipts)\npassphrase: "
                                 << (l.key_wrapped() ? "yes" : "no") << '\n';
                     return 0;
                   })
      ->add_flag("--json", *show_json, "Print as JSON");

  // optguard bench ledger
  CLI::App* bench = &cli::command_group(
      app, "bench", "Benchmarks (figures beside a baseline measured in the same run)");
  struct BenchArgs {
    std::int64_t records = 100000, batch = 1000;
    bool json = false;
  };
  auto ba = std::make_shared<BenchArgs>();
  auto* bl = cli::add_command(*bench, "ledger",
                              "Ledger appends, start, list/export/verify vs plain SQLite", [ba] {
                                const TempDir scratch("optguard-bench-");
                                const fs::path& dir = scratch.path();
                                ledger::BenchOptions o;
                                o.records = ba->records;
                                o.batch = ba->batch;
                                o.workdir = dir;
                                const Json r = ledger::run_bench(o);
                                if (ba->json)
                                  std::cout << r.dump(2) << '\n';
                                else
                                  std::cout << ledger::bench_text(r);
                                return 0;
                              });
  bl->add_option("--records", ba->records, "How many records")->check(CLI::Range(1, 10000000));
  bl->add_option("--batch", ba->batch, "Records per transaction")->check(CLI::Range(1, 1000000));
  bl->add_flag("--json", ba->json, "Print as JSON");
}

}  // namespace optguard::app

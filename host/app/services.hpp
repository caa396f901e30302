#pragma once
// The services a request or a subcommand reaches: one Services per process,
// features opened lazily so `hello` and `ping` never touch the disk.

#include <cstdint>
#include <filesystem>
#include <memory>

#include "common/file_stamp.hpp"
#include "common/home.hpp"
#include "filters/engine.hpp"
#include "learning/learning.hpp"
#include "ledger/ledger.hpp"

namespace optguard::app {

class Services {
 public:
  explicit Services(HomeLocation home) : home_(std::move(home)) {}
  Services(const Services&) = delete;
  Services& operator=(const Services&) = delete;

  const HomeLocation& home_location() const { return home_; }
  // The home directory, created owner-only if missing; refuses an unsafe one.
  std::filesystem::path home() { return ensure_home(home_); }
  // The filter engine: mapped from the compiled cache, or built from the lists (and cached)
  // when first asked for (services_engine.cpp). reload_engine() rebuilds it after this process
  // changed a list or the custom filters. engine() also reloads it when any file the catalogue
  // reads changed since it was read (filters/catalogue.hpp catalogue_files): another host
  // process (a second browser) updated a list, edited the custom filters, learned or undid a
  // tracker. A few stat() calls per call, no watcher thread. A reference from engine() is
  // valid until the next engine() or reload_engine() call.
  const filters::Engine& engine();
  void reload_engine();
  // The ledger, opened (created on first use) when first asked for.
  ledger::Ledger& ledger() {
    if (!ledger_) ledger_ = std::make_unique<ledger::Ledger>(home());
    return *ledger_;
  }
  // Learned trackers (learning/learning.hpp), opened when first asked for. learning.db is
  // encrypted under keys derived from the ledger's master key: the ledger is opened first (it
  // makes the key, finishes a rotation, checks the key belongs to it), then the key is read
  // once more here and wiped after the derivation (a passphrase-wrapped key costs a second
  // Argon2id run, once per process). A learning.db the ledger's key does not open, while the
  // ledger does, predates a key rotation: it is set aside (kept) and its learned and undone
  // domains carried into a new one (services_learning.cpp).
  learning::Learner& learner();

 private:
  // Stamps the catalogue's files; called just before the engine is loaded or rebuilt.
  void watch_engine_sources();

  HomeLocation home_;
  std::unique_ptr<filters::Engine> engine_;
  FileWatch engine_sources_;  // the catalogue's files as the engine read them
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<learning::Learner> learner_;
};

}  // namespace optguard::app

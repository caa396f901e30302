#pragma once
// The services a request or a subcommand reaches: one Services per process,
// features opened lazily so `hello` and `ping` never touch the disk.

#include <cstdint>
#include <filesystem>
#include <memory>

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
  // when first asked for (services_engine.cpp). reload_engine() rebuilds it after a list or
  // custom-filter change. engine() also reloads it when lists/learned.txt changed since it was
  // read (another host process learned or undid a tracker): one stat per call, no watcher. A
  // reference from engine() is valid until the next engine() or reload_engine() call.
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
  // domains carried into a new one (services_engine.cpp).
  learning::Learner& learner();

 private:
  // A file as the engine last read it (size, mtime): learned.txt's changes by other processes.
  struct FileStamp {
    bool exists = false;
    std::uintmax_t size = 0;
    std::filesystem::file_time_type mtime{};
    bool operator==(const FileStamp&) const = default;
  };
  static FileStamp stamp_of(const std::filesystem::path& p);

  HomeLocation home_;
  std::unique_ptr<filters::Engine> engine_;
  std::filesystem::path learned_list_;
  FileStamp learned_stamp_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<learning::Learner> learner_;
};

}  // namespace optguard::app

// Services::engine(): the filter engine, loaded lazily from the compiled cache or the lists;
// Services::learner(): the learned-trackers database under the ledger's key.
#include <filesystem>
#include <string>
#include <system_error>

#include "app/services.hpp"
#include "common/errors.hpp"
#include "common/log.hpp"
#include "filters/cache.hpp"

namespace optguard::app {

Services::FileStamp Services::stamp_of(const std::filesystem::path& p) {
  std::error_code ec;
  FileStamp st;
  st.size = std::filesystem::file_size(p, ec);
  if (ec) return {};
  st.mtime = std::filesystem::last_write_time(p, ec);
  if (ec) return {};
  st.exists = true;
  return st;
}

const filters::Engine& Services::engine() {
  // Two browsers mean two host processes on one home: the other one's learned trackers
  // (written atomically to learned.txt by its Learner) reach this engine on the next call.
  // load_or_build then maps the cache the other process rebuilt (its freshness check covers
  // learned.txt's size and mtime) or builds it again.
  if (engine_ && stamp_of(learned_list_) != learned_stamp_) {
    log::info(
        "lists/learned.txt changed since the filter engine read it (another host "
        "process?): reloading the engine");
    engine_.reset();
  }
  if (!engine_) {
    // Stamped before loading: a change made while it loads is seen by the next call.
    learned_list_ = home() / "lists" / "learned.txt";
    learned_stamp_ = stamp_of(learned_list_);
    filters::CacheResult r = filters::load_or_build(home());
    if (!r.from_cache) {
      log::info("filter engine built from the lists in " + std::to_string(r.build_ms) + " ms (" +
                r.rebuild_reason + ")");
    }
    engine_ = std::make_unique<filters::Engine>(std::move(r.engine));
  }
  return *engine_;
}

learning::Learner& Services::learner() {
  if (learner_) return *learner_;
  // The ledger first: it checks its key is the current one (and picks up another process's
  // rotation), so the key read below is the one learning.db must be under.
  (void)ledger().state();
  const auto master = ledger::load_key(ledger().key_path(), ledger::default_passphrase);
  try {
    learner_ = std::make_unique<learning::Learner>(home(), master);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::wrong_key) throw;
    const auto aside = learning::Learner::set_aside_for_new_key(home());
    learner_ = std::make_unique<learning::Learner>(home(), master);
    const int taken = learner_->adopt_decisions(aside);
    log::warn(
        "learning database was made under an earlier ledger key (optguard key rotate?): "
        "moved to " +
        aside.string() + " (the earlier key still reads it); " + std::to_string(taken) +
        " learned and undone trackers carried over, sightings start again");
  }
  return *learner_;
}

void Services::reload_engine() {
  learned_list_ = home() / "lists" / "learned.txt";
  learned_stamp_ = stamp_of(learned_list_);
  filters::CacheResult r = filters::rebuild(home());
  if (!r.rebuild_reason.empty()) log::warn(r.rebuild_reason);
  engine_ = std::make_unique<filters::Engine>(std::move(r.engine));
}

}  // namespace optguard::app

// Services::engine(): the filter engine, loaded lazily from the compiled cache or the lists,
// and reloaded when another process changed what it was built from.
#include <memory>
#include <string>

#include "app/services.hpp"
#include "common/log.hpp"
#include "filters/cache.hpp"
#include "filters/catalogue.hpp"

namespace optguard::app {

void Services::watch_engine_sources() {
  // Stamped before loading: a change made while the lists load is seen by the next call.
  engine_sources_ = FileWatch(filters::catalogue_files(home()));
  engine_sources_.take();
}

const filters::Engine& Services::engine() {
  // Two browsers mean two host processes on one home: what the other one writes (a list from
  // lists_update, custom filters, learned trackers; each file replaced atomically) reaches
  // this engine on the next call. load_or_build then maps the cache the other process rebuilt
  // (its own freshness check compares sizes, mtimes and content hashes) or builds it again.
  if (engine_ && engine_sources_.changed()) {
    log::info(
        "a filter list changed since the filter engine read it (another host process?): "
        "reloading the engine");
    engine_.reset();
  }
  if (!engine_) {
    watch_engine_sources();
    filters::CacheResult r = filters::load_or_build(home());
    if (!r.from_cache) {
      log::info("filter engine built from the lists in " + std::to_string(r.build_ms) + " ms (" +
                r.rebuild_reason + ")");
    }
    engine_ = std::make_unique<filters::Engine>(std::move(r.engine));
  }
  return *engine_;
}

void Services::reload_engine() {
  watch_engine_sources();
  filters::CacheResult r = filters::rebuild(home());
  if (!r.rebuild_reason.empty()) log::warn(r.rebuild_reason);
  engine_ = std::make_unique<filters::Engine>(std::move(r.engine));
}

}  // namespace optguard::app

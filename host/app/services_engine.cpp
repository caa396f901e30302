// Services::engine(): the filter engine, loaded lazily from the compiled cache or the lists.
#include <string>

#include "app/services.hpp"
#include "common/log.hpp"
#include "filters/cache.hpp"

namespace optguard::app {

const filters::Engine& Services::engine() {
  if (!engine_) {
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
  filters::CacheResult r = filters::rebuild(home());
  if (!r.rebuild_reason.empty()) log::warn(r.rebuild_reason);
  engine_ = std::make_unique<filters::Engine>(std::move(r.engine));
}

}  // namespace optguard::app

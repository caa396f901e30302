// Services::learner(): the learned-trackers database under the ledger's key.
#include <memory>
#include <string>

#include "app/services.hpp"
#include "common/errors.hpp"
#include "common/log.hpp"

namespace optguard::app {

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

}  // namespace optguard::app

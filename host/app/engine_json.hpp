#pragma once
// JSON shapes shared by the engine's CLI and protocol messages (commands_engine.cpp,
// messages_engine.cpp): one verdict, and one list's statistics.

#include <nlohmann/json.hpp>

#include "filters/catalogue.hpp"
#include "filters/engine.hpp"

namespace optguard::app {

// {"verdict": "block"|"allow"|"none", "category": name|null, "filter": text|null, "list":
// name|null}
nlohmann::json verdict_json(const filters::Verdict& v);

// One catalogue entry with its statistics from the engine (zeros when absent).
nlohmann::json list_json(const filters::CatalogueEntry& entry,
                         const std::vector<filters::ListStats>& stats);

}  // namespace optguard::app

#pragma once
// A schema-ish validator for DNR rules as Chrome and Firefox check them when they load a
// static ruleset (fields, types, enum values, cross-field rules). A rule that fails here
// would be rejected or ignored by at least one of the two browsers.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace optguard::test {

enum class Browser { chrome, firefox };

// Problems with one rule ("" entries never appear); empty when the rule is valid.
std::vector<std::string> validate_rule(const nlohmann::json& rule, Browser browser);

}  // namespace optguard::test

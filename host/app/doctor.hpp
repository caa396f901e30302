#pragma once
// `optguard doctor`: a list of checks, each giving findings with a cause and the exact
// fix. Features add checks in doctor.cpp's one table.

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/services.hpp"

namespace optguard::app {

enum class Status { ok, info, warn, fail };

struct Finding {
  std::string check;  // e.g. "home", "dependencies", "browser:chromium"
  Status status = Status::ok;
  std::string detail;  // what was found
  std::string fix;     // the exact command or step that fixes it (empty when ok)
};

using DoctorCheck = std::function<std::vector<Finding>(Services&)>;

std::vector<DoctorCheck> doctor_checks();
std::vector<Finding> run_doctor(Services& services);
nlohmann::json to_json(const std::vector<Finding>& findings);
std::string to_text(const std::vector<Finding>& findings);
bool any_failed(const std::vector<Finding>& findings);

// The core checks (home directory and dependency versions).
std::vector<Finding> check_home(Services& services);
std::vector<Finding> check_dependencies(Services& services);

}  // namespace optguard::app

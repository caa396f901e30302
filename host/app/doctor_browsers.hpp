#pragma once
// Doctor checks of the installation (host/install/): every browser's manifest and host, and
// the ledger key file's permissions. Registered in doctor.cpp's table.

#include <vector>

#include "app/doctor.hpp"

namespace optguard::app {
std::vector<Finding> check_browsers(Services& services);
std::vector<Finding> check_key_file(Services& services);
}  // namespace optguard::app

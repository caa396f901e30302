#pragma once
// Reading request parameters with a clear bad_params error naming the parameter.

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/envelope.hpp"

namespace optguard::protocol::params {

std::string require_string(const Json& req, const char* key);
std::optional<std::string> optional_string(const Json& req, const char* key);
bool require_bool(const Json& req, const char* key);
std::optional<bool> optional_bool(const Json& req, const char* key);
std::optional<std::int64_t> optional_int(const Json& req, const char* key, std::int64_t min,
                                         std::int64_t max);
const Json& require_array(const Json& req, const char* key);
const Json& require_object(const Json& req, const char* key);

}  // namespace optguard::protocol::params

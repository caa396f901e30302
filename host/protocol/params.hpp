#pragma once
// Reading request parameters with a clear bad_params error naming the parameter.

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/envelope.hpp"
#include "protocol/request.hpp"

namespace optguard::protocol::params {

// A member that is null counts as absent. The Request forms read the parsed text
// directly; require_array / require_object hand out a part of the request's tree.
std::string require_string(const Request& req, const char* key);
std::optional<std::string> optional_string(const Request& req, const char* key);
bool require_bool(const Request& req, const char* key);
std::optional<bool> optional_bool(const Request& req, const char* key);
std::optional<std::int64_t> optional_int(const Request& req, const char* key, std::int64_t min,
                                         std::int64_t max);
const Json& require_array(const Request& req, const char* key);
const Json& require_object(const Request& req, const char* key);

// The same over a tree.

std::string require_string(const Json& req, const char* key);
std::optional<std::string> optional_string(const Json& req, const char* key);
bool require_bool(const Json& req, const char* key);
std::optional<bool> optional_bool(const Json& req, const char* key);
std::optional<std::int64_t> optional_int(const Json& req, const char* key, std::int64_t min,
                                         std::int64_t max);
const Json& require_array(const Json& req, const char* key);
const Json& require_object(const Json& req, const char* key);

}  // namespace optguard::protocol::params

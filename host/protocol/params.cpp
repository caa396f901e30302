#include "protocol/params.hpp"

namespace optguard::protocol::params {
namespace {
[[noreturn]] void fail(const char* key, const char* want) {
  throw Error(ErrorCode::bad_params, std::string("parameter `") + key + "` must be " + want);
}
const Json* find(const Json& req, const char* key) {
  const auto it = req.find(key);
  return it == req.end() || it->is_null() ? nullptr : &*it;
}
}  // namespace

std::string require_string(const Json& req, const char* key) {
  const Json* v = find(req, key);
  if (v == nullptr || !v->is_string()) fail(key, "a string");
  return v->get<std::string>();
}

std::optional<std::string> optional_string(const Json& req, const char* key) {
  const Json* v = find(req, key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) fail(key, "a string");
  return v->get<std::string>();
}

bool require_bool(const Json& req, const char* key) {
  const Json* v = find(req, key);
  if (v == nullptr || !v->is_boolean()) fail(key, "true or false");
  return v->get<bool>();
}

std::optional<bool> optional_bool(const Json& req, const char* key) {
  const Json* v = find(req, key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) fail(key, "true or false");
  return v->get<bool>();
}

std::optional<std::int64_t> optional_int(const Json& req, const char* key, std::int64_t min,
                                         std::int64_t max) {
  const Json* v = find(req, key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number_integer()) fail(key, "an integer");
  const auto n = v->get<std::int64_t>();
  if (n < min || n > max) {
    throw Error(ErrorCode::bad_params, std::string("parameter `") + key + "` must be between " +
                                           std::to_string(min) + " and " + std::to_string(max));
  }
  return n;
}

const Json& require_array(const Json& req, const char* key) {
  const Json* v = find(req, key);
  if (v == nullptr || !v->is_array()) fail(key, "an array");
  return *v;
}

const Json& require_object(const Json& req, const char* key) {
  const Json* v = find(req, key);
  if (v == nullptr || !v->is_object()) fail(key, "an object");
  return *v;
}

}  // namespace optguard::protocol::params

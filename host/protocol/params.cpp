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
std::optional<Value> find(const Request& req, const char* key) {
  auto v = req.find(key);
  if (v && v->is_null()) v.reset();
  return v;
}
void check_range(const char* key, std::int64_t n, std::int64_t min, std::int64_t max) {
  if (n < min || n > max) {
    throw Error(ErrorCode::bad_params, std::string("parameter `") + key + "` must be between " +
                                           std::to_string(min) + " and " + std::to_string(max));
  }
}
}  // namespace

std::string require_string(const Request& req, const char* key) {
  const auto v = find(req, key);
  if (!v || !v->is_string()) fail(key, "a string");
  return std::string(v->get_string());
}

std::optional<std::string> optional_string(const Request& req, const char* key) {
  const auto v = find(req, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) fail(key, "a string");
  return std::string(v->get_string());
}

bool require_bool(const Request& req, const char* key) {
  const auto v = find(req, key);
  if (!v || !v->is_bool()) fail(key, "true or false");
  return v->get_bool();
}

std::optional<bool> optional_bool(const Request& req, const char* key) {
  const auto v = find(req, key);
  if (!v) return std::nullopt;
  if (!v->is_bool()) fail(key, "true or false");
  return v->get_bool();
}

std::optional<std::int64_t> optional_int(const Request& req, const char* key, std::int64_t min,
                                         std::int64_t max) {
  const auto v = find(req, key);
  if (!v) return std::nullopt;
  if (!v->is_integer()) fail(key, "an integer");
  const std::int64_t n = v->get_int64();
  check_range(key, n, min, max);
  return n;
}

const Json& require_array(const Request& req, const char* key) {
  return require_array(req.json(), key);
}

const Json& require_object(const Request& req, const char* key) {
  return require_object(req.json(), key);
}

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
  check_range(key, n, min, max);
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

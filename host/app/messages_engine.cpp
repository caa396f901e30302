// classify: a batch of observed requests -> verdicts from the filter engine.
#include <string>
#include <string_view>

#include "app/engine_json.hpp"
#include "app/messages.hpp"
#include "common/errors.hpp"
#include "filters/engine.hpp"
#include "protocol/paging.hpp"
#include "protocol/params.hpp"

namespace optguard::app {

namespace {

constexpr std::size_t kMaxClassifyRequests = 1000;

const std::string* string_field(const protocol::Json& obj, const char* key, std::size_t index,
                                bool required) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) {
      throw Error(ErrorCode::bad_params,
                  "requests[" + std::to_string(index) + "]." + key + " is required");
    }
    return nullptr;
  }
  if (!it->is_string()) {
    throw Error(ErrorCode::bad_params,
                "requests[" + std::to_string(index) + "]." + key + " must be a string");
  }
  return it->get_ptr<const std::string*>();
}

protocol::Json classify(const protocol::Json& req, Services& services) {
  const protocol::Json& requests = protocol::params::require_array(req, "requests");
  if (requests.size() > kMaxClassifyRequests) {
    throw Error(ErrorCode::bad_params,
                "at most " + std::to_string(kMaxClassifyRequests) + " requests per call");
  }
  filters::CategoryMask mask = filters::kAllCategories;
  if (const auto it = req.find("categories"); it != req.end() && !it->is_null()) {
    if (!it->is_object())
      throw Error(ErrorCode::bad_params, "categories must be an object of booleans");
    for (const auto& [name, on] : it->items()) {
      const auto c = filters::category_from_name(name);
      if (!c) throw Error(ErrorCode::bad_params, "unknown category '" + name + "'");
      if (!on.is_boolean())
        throw Error(ErrorCode::bad_params, "categories." + name + " must be a boolean");
      if (!on.get<bool>())
        mask = static_cast<filters::CategoryMask>(mask & ~filters::category_bit(*c));
    }
  }
  // Validate everything before doing any work.
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (!requests[i].is_object()) {
      throw Error(ErrorCode::bad_params, "requests[" + std::to_string(i) + "] must be an object");
    }
    string_field(requests[i], "url", i, true);
    string_field(requests[i], "source", i, false);
    string_field(requests[i], "type", i, false);
  }
  const filters::Engine& engine = services.engine();
  filters::Request r;
  protocol::PageBuilder page;
  protocol::Json next = nullptr;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const protocol::Json& q = requests[i];
    const std::string* source = string_field(q, "source", i, false);
    const std::string* type = string_field(q, "type", i, false);
    // (Views of the request's own strings: r views them, so no temporaries here.)
    r.assign(*string_field(q, "url", i, true),
             source != nullptr ? std::string_view(*source) : std::string_view(),
             type != nullptr ? std::string_view(*type) : std::string_view("other"));
    if (!page.try_add(verdict_json(engine.match(r, mask)))) {
      next = i;  // the reply is full: the caller sends the rest again from here
      break;
    }
  }
  return protocol::Json{{"verdicts", page.take_items()}, {"next_index", next}};
}

}  // namespace

void register_engine_messages(protocol::Router& router, Services& services) {
  router.add(
      {"classify",
       "a batch of observed requests -> block/allow/none verdicts with category, filter, list",
       [&services](const protocol::Json& req, protocol::RequestContext& /*ctx*/) {
         return classify(req, services);
       }});
}

}  // namespace optguard::app

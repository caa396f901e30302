// The ledger's messages: get_state, set_choice, record, ledger_list, ledger_export, ledger_verify
// (docs/protocol.md "Ledger").
#include <nlohmann/json.hpp>

#include "app/messages.hpp"
#include "common/errors.hpp"
#include "ledger/ledger.hpp"
#include "protocol/paging.hpp"
#include "protocol/params.hpp"

namespace optguard::app {
namespace {
namespace params = protocol::params;
using protocol::Json;

// site?, since?, until?, record_type? as a ledger Selection.
ledger::Selection selection_from(const Json& req) {
  ledger::Selection sel;
  sel.site = params::optional_string(req, "site");
  if (const auto s = params::optional_string(req, "since"))
    sel.since_ms = ledger::parse_time(*s, false);
  if (const auto s = params::optional_string(req, "until"))
    sel.until_ms = ledger::parse_time(*s, true);
  // `type` is the envelope's message type, so the record-type filter is `record_type`.
  sel.type = params::optional_string(req, "record_type");
  return sel;
}

std::int64_t cursor_seq(const std::string& cursor) {
  // Cursors are "seq:<n>": the last seq of the previous page.
  if (cursor.rfind("seq:", 0) == 0 && cursor.size() > 4 && cursor.size() < 24 &&
      cursor.find_first_not_of("0123456789", 4) == std::string::npos) {
    return std::stoll(cursor.substr(4));
  }
  throw Error(ErrorCode::bad_params, "`cursor` is not a cursor this host handed out");
}
}  // namespace

void register_ledger_messages(protocol::Router& router, Services& services) {
  router.add({"get_state", "the current choices: global values and per-site overrides",
              [&services](const Json& /*req*/, protocol::RequestContext& /*ctx*/) {
                return services.ledger().state().to_json();
              }});

  router.add({"set_choice", "records a choice (global or for a site) and returns the new state",
              [&services](const Json& req, protocol::RequestContext& /*ctx*/) {
                const std::string scope = params::require_string(req, "scope");
                if (scope != "global" && scope != "site") {
                  throw Error(ErrorCode::bad_params, R"(`scope` must be "global" or "site")");
                }
                std::string site;
                if (scope == "site") {
                  site = params::require_string(req, "site");
                } else if (req.contains("site")) {
                  throw Error(ErrorCode::bad_params, "`site` is only for scope \"site\"");
                }
                const std::string key = params::require_string(req, "key");
                std::optional<bool> value;
                if (scope == "site" && req.contains("value") && req["value"].is_null()) {
                  value = std::nullopt;  // clears the site's override
                } else {
                  value = params::require_bool(req, "value");
                }
                const std::string source = params::require_string(req, "source");
                auto [seq, state] = services.ledger().set_choice(site, key, value, source);
                return Json{{"seq", seq}, {"state", state.to_json()}};
              }});

  router.add({"record", "records batched evidence (signals, blocked, gpc_json, browser_setting)",
              [&services](const Json& req, protocol::RequestContext& /*ctx*/) {
                const Json& events = params::require_array(req, "events");
                return Json{{"recorded", services.ledger().record_events(events)}};
              }});

  router.add({"ledger_list", "lists ledger records (decrypted), paged under the reply cap",
              [&services](const Json& req, protocol::RequestContext& /*ctx*/) {
                ledger::Selection sel = selection_from(req);
                if (const auto c = params::optional_string(req, "cursor"))
                  sel.after_seq = cursor_seq(*c);
                protocol::PageBuilder page;
                std::int64_t last = 0;
                bool more = false;
                services.ledger().list(sel, [&](const ledger::Record& r) {
                  if (!page.try_add(r.to_json())) {
                    more = true;
                    return false;
                  }
                  last = r.seq;
                  return true;
                });
                return Json{
                    {"records", page.take_items()},
                    {"next_cursor", more ? Json("seq:" + std::to_string(last)) : Json(nullptr)}};
              }});

  router.add({"ledger_export", "a signed receipt (Ed25519) of the selected records",
              [&services](const Json& req, protocol::RequestContext& /*ctx*/) {
                return Json{{"receipt", services.ledger().export_receipt(selection_from(req))}};
              }});

  router.add({"ledger_verify", "checks the whole ledger: chain, decryption, signed head, state",
              [&services](const Json& /*req*/, protocol::RequestContext& /*ctx*/) {
                return services.ledger().verify().to_json();
              }});
}

}  // namespace optguard::app

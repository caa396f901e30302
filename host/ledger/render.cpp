#include "ledger/render.hpp"

#include <sstream>

namespace optguard::ledger {
namespace {
using Json = nlohmann::json;

std::string onoff(const Json& v) {
  if (v.is_boolean()) return v.get<bool>() ? "on" : "off";
  return "unset";
}

std::string str(const Json& r, const char* k) {
  const auto it = r.find(k);
  if (it == r.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::string html_escape(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\'':
        o += "&#39;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

std::string selection_text(const Json& sel) {
  if (!sel.is_object() || sel.empty()) return "all records";
  std::string out;
  for (const auto& [k, v] : sel.items())
    out += (out.empty() ? "" : ", ") + k + " " + (v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}
}  // namespace

std::string describe_record(const Json& r) {
  const std::string type = str(r, "type");
  std::ostringstream o;
  if (type == "choice") {
    const std::string key = str(r, "key");
    const bool browser = key.rfind("browser:", 0) == 0;
    o << (browser ? "browser feature " : "choice ") << key << ' '
      << (browser ? (r["new"].is_boolean() ? (r["new"].get<bool>() ? "allowed" : "turned off")
                                           : "unset")
                  : onoff(r["new"]))
      << (r.value("scope", "") == "site" ? " for " + str(r, "site") : " everywhere") << " (was "
      << onoff(r["old"]) << ", by " << str(r, "source") << ")";
  } else if (type == "signals") {
    o << "signals sent to " << str(r, "site") << " on " << str(r, "day") << ": GPC "
      << str(r, "gpc") << ", DNT " << str(r, "dnt");
  } else if (type == "blocked") {
    o << "blocked on " << str(r, "site") << " on " << str(r, "day") << ": " << str(r, "count")
      << ' ' << str(r, "category");
    if (r.contains("hosts") && r["hosts"].is_object() && !r["hosts"].empty()) {
      o << " (";
      bool first = true;
      for (const auto& [h, n] : r["hosts"].items()) {
        o << (first ? "" : ", ") << h << ' ' << n.dump();
        first = false;
      }
      o << ")";
    }
  } else if (type == "gpc_json") {
    o << str(r, "site") << "/.well-known/gpc.json on " << str(r, "day") << ": " << str(r, "status");
    if (r.contains("declaration") && r["declaration"].is_object())
      o << ' ' << r["declaration"].dump();
  } else if (type == "browser_setting") {
    o << "browser setting " << str(r, "key") << ' ' << str(r, "action")
      << " (allowed: " << (r.value("value", false) ? "yes" : "no") << ") on " << str(r, "day");
  } else {
    o << type << ' ' << r.dump();
  }
  return o.str();
}

std::string render_receipt_text(const Json& rc) {
  std::ostringstream o;
  const Json& chain = rc.at("chain");
  o << "optguard ledger receipt\n"
    << "Ledger:      " << str(rc, "ledger_id") << "\n"
    << "Created:     " << str(rc, "created") << "\n"
    << "Selection:   " << selection_text(rc.value("selection", Json::object())) << "\n"
    << "Records:     " << rc.at("records").size() << " (seq " << str(chain, "first_seq") << " to "
    << str(chain, "last_seq") << ")\n"
    << "Signed head: seq " << chain.at("head").at("seq") << ", " << chain.at("head").at("count")
    << " records\n"
    << "Public key:  " << str(rc, "public_key") << " (Ed25519)\n"
    << "Signature:   " << str(rc, "signature") << "\n"
    << "Check with:  optguard ledger verify FILE (the JSON form)\n\n";
  for (const auto& r : rc.at("records")) {
    o << r.at("seq").dump() << "\t" << str(r, "time") << "\t" << describe_record(r) << "\n";
  }
  return o.str();
}

std::string render_receipt_html(const Json& rc) {
  std::ostringstream o;
  const Json& chain = rc.at("chain");
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>optguard ledger "
       "receipt</title>\n"
    << "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
       "td,th{border:1px solid #ccc;padding:.3em "
       ".6em;text-align:left}code{word-break:break-all}</style>"
       "</head><body>\n<h1>optguard ledger receipt</h1>\n<dl>\n"
    << "<dt>Ledger</dt><dd><code>" << html_escape(str(rc, "ledger_id")) << "</code></dd>\n"
    << "<dt>Created</dt><dd>" << html_escape(str(rc, "created")) << "</dd>\n"
    << "<dt>Selection</dt><dd>"
    << html_escape(selection_text(rc.value("selection", Json::object()))) << "</dd>\n"
    << "<dt>Records</dt><dd>" << rc.at("records").size() << " (seq "
    << html_escape(str(chain, "first_seq")) << " to " << html_escape(str(chain, "last_seq"))
    << "; signed head at seq " << chain.at("head").at("seq").dump() << ")</dd>\n"
    << "<dt>Public key (Ed25519)</dt><dd><code>" << html_escape(str(rc, "public_key"))
    << "</code></dd>\n"
    << "<dt>Signature</dt><dd><code>" << html_escape(str(rc, "signature"))
    << "</code></dd>\n</dl>\n"
    << "<table><thead><tr><th>seq</th><th>time (UTC)</th><th>record</th></tr></thead><tbody>\n";
  for (const auto& r : rc.at("records")) {
    o << "<tr><td>" << r.at("seq").dump() << "</td><td>" << html_escape(str(r, "time"))
      << "</td><td>" << html_escape(describe_record(r)) << "</td></tr>\n";
  }
  o << "</tbody></table>\n<p>Verify the JSON form of this receipt with <code>optguard ledger "
       "verify FILE</code>.</p>\n"
    << "</body></html>\n";
  return o.str();
}

}  // namespace optguard::ledger

// The few top-level fields of a decrypted record payload that `verify` needs, read without
// building a JSON tree: verify touches every record, and building (then freeing) an
// nlohmann::json object per record was 40 % of its time.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace optguard::ledger {

struct RecordFields {
  std::string type;               // "choice", "signals", ...; empty when absent
  std::string site;               // registrable domain, empty for global records
  std::string key;                // choice key, for type "choice"
  std::optional<bool> new_value;  // choice records: the value set (null → unset)
};

// Parses `payload` fully (so malformed JSON is still refused) and fills the fields above from
// the top-level object. Returns nullopt when the payload is not well-formed JSON or not an object.
std::optional<RecordFields> read_record_fields(std::string_view payload);

}  // namespace optguard::ledger

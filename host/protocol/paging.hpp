#pragma once
// Builds one page of a list result that stays under the reply cap. Handlers that can
// return many items (ledger_list, get_rules, classify) add items until the page is
// full and hand back a cursor for the rest.

#include <cstddef>

#include "protocol/envelope.hpp"
#include "protocol/limits.hpp"

namespace optguard::protocol {

class PageBuilder {
 public:
  // Room is left under the reply cap for the envelope and the cursor.
  explicit PageBuilder(std::size_t budget = kMaxReplyBytes - std::size_t{16} * 1024)
      : budget_(budget) {}
  // Adds the item if it fits; false when the page is full (the item was not added).
  bool try_add(Json item);
  Json take_items() { return std::move(items_); }
  std::size_t size() const { return items_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  std::size_t budget_;
  std::size_t bytes_ = 2;  // "[]"
  Json items_ = Json::array();
};

}  // namespace optguard::protocol

#include "protocol/paging.hpp"

namespace optguard::protocol {

bool PageBuilder::try_add(Json item) {
  const std::size_t cost = serialize(item).size() + 1;  // + the comma
  if (bytes_ + cost > budget_) return false;
  bytes_ += cost;
  items_.push_back(std::move(item));
  return true;
}

}  // namespace optguard::protocol

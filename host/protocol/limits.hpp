#pragma once
#include <cstddef>
#include <cstdint>

namespace optguard::protocol {

inline constexpr std::uint32_t kProtocolVersion = 1;

// Host -> browser: Chrome and Firefox close the port on a message over 1 MiB.
inline constexpr std::size_t kMaxReplyBytes = std::size_t{1024} * 1024;

struct Limits {
  // Browser -> host: the largest request we read (configurable with --max-frame).
  std::size_t max_request_bytes = std::size_t{16} * 1024 * 1024;
  // An over-cap frame up to this length is read and discarded so the session can go
  // on with an error reply; past it the length cannot be trusted and the session ends.
  std::size_t max_skip_bytes = std::size_t{256} * 1024 * 1024;
  std::size_t max_reply_bytes = kMaxReplyBytes;
  // JSON nesting deeper than this is refused before it is parsed.
  int max_depth = 64;
};

}  // namespace optguard::protocol

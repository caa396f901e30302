#pragma once
// Native-messaging framing (Chrome and Firefox): a 32-bit length in native byte
// order, then that many bytes of UTF-8 JSON.

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/io.hpp"
#include "protocol/limits.hpp"

namespace optguard::protocol {

enum class ReadStatus {
  frame,              // body holds one complete frame (possibly empty: length 0)
  end_of_stream,      // clean EOF between frames: the browser closed the port
  truncated,          // EOF inside the length prefix or the body
  oversized_skipped,  // length over the cap; the body was read and discarded
  oversized_fatal,    // length too large to skip: the stream cannot be trusted
};

struct ReadResult {
  ReadStatus status = ReadStatus::end_of_stream;
  std::string body;
  std::uint32_t declared_length = 0;  // what the prefix claimed
  std::size_t bytes_received = 0;     // body bytes actually read (for truncation logs)
};

// Reads one frame. The body buffer grows as bytes arrive: a length prefix that
// lies never causes an allocation of the claimed size.
ReadResult read_frame(ByteReader& in, const Limits& limits);

// Writes prefix and body. The caller has checked body.size() against the reply cap.
void write_frame(ByteWriter& out, std::string_view body);

}  // namespace optguard::protocol

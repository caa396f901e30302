#include "protocol/framing.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>

namespace optguard::protocol {
namespace {
constexpr std::size_t kChunk = std::size_t{64} * 1024;

// Reads exactly out.size() bytes unless the stream ends; returns how many were read.
std::size_t read_fully(ByteReader& in, std::span<char> out) {
  std::size_t got = 0;
  while (got < out.size()) {
    const std::size_t n = in.read_some(out.subspan(got));
    if (n == 0) break;
    got += n;
  }
  return got;
}
}  // namespace

ReadResult read_frame(ByteReader& in, const Limits& limits) {
  ReadResult r;
  std::array<char, 4> prefix{};
  const std::size_t got = read_fully(in, prefix);
  if (got == 0) {
    r.status = ReadStatus::end_of_stream;
    return r;
  }
  if (got < prefix.size()) {
    r.status = ReadStatus::truncated;
    r.bytes_received = got;
    return r;
  }
  std::uint32_t length = 0;
  std::memcpy(&length, prefix.data(), sizeof length);  // native byte order, as the browsers send
  r.declared_length = length;

  if (length > limits.max_request_bytes) {
    if (length > limits.max_skip_bytes) {
      r.status = ReadStatus::oversized_fatal;
      return r;
    }
    std::array<char, kChunk> sink{};
    std::size_t left = length;
    while (left > 0) {
      const std::size_t want = std::min(left, sink.size());
      const std::size_t n = read_fully(in, std::span<char>(sink.data(), want));
      r.bytes_received += n;
      if (n < want) {
        r.status = ReadStatus::truncated;
        return r;
      }
      left -= n;
    }
    r.status = ReadStatus::oversized_skipped;
    return r;
  }

  // Grow with the data, never reserve `length` up front.
  while (r.body.size() < length) {
    const std::size_t want = std::min<std::size_t>(length - r.body.size(), kChunk);
    const std::size_t old = r.body.size();
    r.body.resize(old + want);
    const std::size_t n = read_fully(in, std::span<char>(r.body.data() + old, want));
    if (n < want) {
      r.body.resize(old + n);
      r.bytes_received = r.body.size();
      r.status = ReadStatus::truncated;
      return r;
    }
  }
  r.bytes_received = r.body.size();
  r.status = ReadStatus::frame;
  return r;
}

void write_frame(ByteWriter& out, std::string_view body) {
  if (body.size() > UINT32_MAX) throw std::length_error("frame body over 4 GiB");
  const auto length = static_cast<std::uint32_t>(body.size());
  // One buffer, one write: a reader never sees a prefix without its body.
  std::string frame(sizeof length + body.size(), '\0');
  std::memcpy(frame.data(), &length, sizeof length);
  std::memcpy(frame.data() + sizeof length, body.data(), body.size());
  out.write_all(frame);
}

}  // namespace optguard::protocol

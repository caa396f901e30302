#pragma once
// In-memory byte streams for framing and session tests.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "protocol/io.hpp"

namespace optguard::test {

class MemoryReader final : public protocol::ByteReader {
 public:
  explicit MemoryReader(std::string data, std::size_t max_chunk = SIZE_MAX)
      : data_(std::move(data)), max_chunk_(max_chunk) {}
  std::size_t read_some(std::span<char> out) override {
    const std::size_t n = std::min({out.size(), data_.size() - pos_, max_chunk_});
    std::memcpy(out.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  std::size_t consumed() const { return pos_; }

 private:
  std::string data_;
  std::size_t pos_ = 0;
  std::size_t max_chunk_;
};

class MemoryWriter final : public protocol::ByteWriter {
 public:
  void write_all(std::span<const char> bytes) override { data.append(bytes.data(), bytes.size()); }
  std::string data;
};

inline std::string frame_of(std::string_view body) {
  const auto n = static_cast<std::uint32_t>(body.size());
  std::string out(4, '\0');
  std::memcpy(out.data(), &n, 4);
  out.append(body);
  return out;
}

inline std::string length_only(std::uint32_t n) {
  std::string out(4, '\0');
  std::memcpy(out.data(), &n, 4);
  return out;
}

}  // namespace optguard::test

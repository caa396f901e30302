#pragma once
#include <memory>

#include "protocol/io.hpp"

namespace optguard::protocol {

// Reads a file descriptor it does not own (stdin), retrying on EINTR. Buffered: when
// the browser sends several messages back to back, one read() takes them all instead of
// two read()s per frame (prefix, then body). Nobody else reads the descriptor.
class FdReader final : public ByteReader {
 public:
  explicit FdReader(int fd) : fd_(fd) {}
  std::size_t read_some(std::span<char> out) override;

 private:
  static constexpr std::size_t kBufferSize = std::size_t{64} * 1024;
  std::size_t read_fd(char* out, std::size_t size);

  int fd_;
  std::unique_ptr<char[]> buffer_ = std::make_unique_for_overwrite<char[]>(kBufferSize);
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
};

// Writes a file descriptor it does not own, retrying on EINTR and short writes.
class FdWriter final : public ByteWriter {
 public:
  explicit FdWriter(int fd) : fd_(fd) {}
  void write_all(std::span<const char> bytes) override;

 private:
  int fd_;
};

}  // namespace optguard::protocol

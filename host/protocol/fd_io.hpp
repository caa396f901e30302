#pragma once
#include "protocol/io.hpp"

namespace optguard::protocol {

// Reads a file descriptor it does not own (stdin), retrying on EINTR.
class FdReader final : public ByteReader {
 public:
  explicit FdReader(int fd) : fd_(fd) {}
  std::size_t read_some(std::span<char> out) override;

 private:
  int fd_;
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

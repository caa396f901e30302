#pragma once
// Byte streams the framing layer reads and writes. Real sessions use file
// descriptors (fd_io.hpp); tests use in-memory streams.

#include <cstddef>
#include <span>

namespace optguard::protocol {

class ByteReader {
 public:
  virtual ~ByteReader() = default;
  // Reads up to out.size() bytes; returns 0 only at end of stream. Throws on I/O errors.
  virtual std::size_t read_some(std::span<char> out) = 0;
};

class ByteWriter {
 public:
  virtual ~ByteWriter() = default;
  // Writes every byte or throws (EPIPE included: the browser has gone).
  virtual void write_all(std::span<const char> bytes) = 0;
};

}  // namespace optguard::protocol

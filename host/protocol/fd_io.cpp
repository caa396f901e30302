#include "protocol/fd_io.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace optguard::protocol {

std::size_t FdReader::read_fd(char* out, std::size_t size) {
  for (;;) {
    const ssize_t n = ::read(fd_, out, size);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    throw std::system_error(errno, std::generic_category(), "reading the browser's messages");
  }
}

std::size_t FdReader::read_some(std::span<char> out) {
  if (out.empty()) return 0;
  if (pos_ == end_) {
    // Large reads bypass the buffer; small ones (a prefix, a short body) fill it.
    if (out.size() >= kBufferSize) return read_fd(out.data(), out.size());
    pos_ = 0;
    end_ = read_fd(buffer_.get(), kBufferSize);
    if (end_ == 0) return 0;
  }
  const std::size_t n = std::min(out.size(), end_ - pos_);
  std::memcpy(out.data(), buffer_.get() + pos_, n);
  pos_ += n;
  return n;
}

void FdWriter::write_all(std::span<const char> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), "writing a reply");
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
}

}  // namespace optguard::protocol

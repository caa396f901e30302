#include "protocol/fd_io.hpp"

#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace optguard::protocol {

std::size_t FdReader::read_some(std::span<char> out) {
  for (;;) {
    const ssize_t n = ::read(fd_, out.data(), out.size());
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    throw std::system_error(errno, std::generic_category(), "reading the browser's messages");
  }
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

// The floor for bench_pipes: the least a native-messaging host can do. It reads frames
// (32-bit native-order length, then the body) from stdin and writes each one back
// unchanged to stdout with the host's own I/O strategy: one read takes what the pipe holds,
// and the echoes of everything read go out in one write before the next read blocks (a
// floor that wrote once per frame would flatter the host). No parsing, no JSON: the cost of
// the pipes and the process alone.
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {
std::array<char, 64 * 1024> g_buf{};
std::size_t g_pos = 0;
std::size_t g_end = 0;
std::vector<char> g_out;  // echoes not yet written

bool write_all(const char* p, std::size_t n);

bool flush() {
  const bool ok = write_all(g_out.data(), g_out.size());
  g_out.clear();
  return ok;
}

// Reads exactly n bytes into out; false at EOF. Flushes the pending echoes before it blocks.
bool read_exact(char* out, std::size_t n) {
  while (n > 0) {
    if (g_pos == g_end) {
      if (!g_out.empty() && !flush()) return false;
      const ssize_t got = ::read(STDIN_FILENO, g_buf.data(), g_buf.size());
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return false;
      g_pos = 0;
      g_end = static_cast<std::size_t>(got);
    }
    const std::size_t take = std::min(n, g_end - g_pos);
    std::memcpy(out, g_buf.data() + g_pos, take);
    g_pos += take;
    out += take;
    n -= take;
  }
  return true;
}

bool write_all(const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t put = ::write(STDOUT_FILENO, p, n);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return false;
    p += put;
    n -= static_cast<std::size_t>(put);
  }
  return true;
}
}  // namespace

int main() {
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<char> frame;
  for (;;) {
    std::uint32_t len = 0;
    if (!read_exact(reinterpret_cast<char*>(&len), sizeof len)) return flush() ? 0 : 4;
    frame.resize(sizeof len + len);
    std::memcpy(frame.data(), &len, sizeof len);
    if (!read_exact(frame.data() + sizeof len, len)) return 1;
    g_out.insert(g_out.end(), frame.begin(), frame.end());
  }
}

#include "app/serve.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "app/messages.hpp"
#include "common/errors.hpp"
#include "common/log.hpp"
#include "protocol/fd_io.hpp"
#include "protocol/session.hpp"

namespace optguard::app {
namespace {
// Owns the duplicated stdout descriptor that carries frames.
class FrameFd {
 public:
  FrameFd() : fd_(::dup(STDOUT_FILENO)) {
    if (fd_ < 0)
      throw Error(ErrorCode::io_error, std::string("dup(stdout): ") + std::strerror(errno));
    // From here on, a stray write to fd 1 (a library printing, a stray std::cout) lands on
    // stderr instead of corrupting the frame stream.
    if (::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
      throw Error(ErrorCode::io_error,
                  std::string("dup2(stderr, stdout): ") + std::strerror(errno));
    }
  }
  ~FrameFd() { ::close(fd_); }
  FrameFd(const FrameFd&) = delete;
  FrameFd& operator=(const FrameFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};
}  // namespace

int serve(Services& services, const protocol::Caller& caller, const protocol::Limits& limits) {
  protocol::Router router;
  register_messages(router, services);
  FrameFd frames;
  protocol::FdReader in(STDIN_FILENO);
  protocol::FdWriter out(frames.get());
  protocol::Session session(router, caller, limits, in, out);
  return session.run();
}

}  // namespace optguard::app

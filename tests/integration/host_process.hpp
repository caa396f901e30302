#pragma once
// Runs a program over three pipes, as a browser runs the host: we write its stdin, read
// its stdout and stderr. Every wait has a deadline, so a host that hangs fails the test
// instead of hanging it.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace optguard::test {

using namespace std::chrono_literals;

// A file descriptor we own.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = other.release();
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset();

 private:
  int fd_ = -1;
};

struct Exit {
  int code = -1;   // exit status when the process exited
  int signal = 0;  // the signal that killed it, else 0
  bool timed_out = false;
};

class Process {
 public:
  // Starts argv[0] (a path) with argv; `env` entries override or (empty value) remove
  // variables of this process's environment.
  Process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Queues bytes for stdin; they are written while we wait for output.
  void send(std::string_view bytes);
  // Queues one native-messaging frame (native-order 32-bit length, then the body).
  void send_frame(std::string_view body);
  // Stops writing (after the queued bytes): the host sees EOF.
  void close_stdin();
  // Closes our end of stdout: the host's next write fails with EPIPE.
  void close_stdout();

  // The next frame on stdout, or nullopt on EOF or at the deadline.
  std::optional<std::string> read_frame(std::chrono::milliseconds timeout = 10s);
  // Writes what is queued, reads stdout and stderr to EOF and reaps the process, leaving
  // stdin open; kills it at the deadline (then timed_out is set).
  Exit wait(std::chrono::milliseconds timeout = 10s);
  // close_stdin() and wait().
  Exit finish(std::chrono::milliseconds timeout = 10s) {
    close_stdin();
    return wait(timeout);
  }

  const std::string& out() const { return out_; }  // stdout bytes not yet taken as frames
  const std::string& err() const { return err_; }

 private:
  // Moves bytes until `done()` or the deadline; returns done().
  template <class Pred>
  bool pump(Pred done, std::chrono::steady_clock::time_point deadline);
  void pump_once(int timeout_ms);

  pid_t pid_ = -1;
  Fd in_, out_fd_, err_fd_;
  std::string pending_;
  bool close_after_pending_ = false;
  std::string out_, err_;
  bool out_eof_ = false, err_eof_ = false;
  std::optional<Exit> exit_;
};

// One frame's bytes.
std::string frame(std::string_view body);
// Splits a byte stream into frame bodies; throws std::runtime_error if it is not a whole
// number of frames.
std::vector<std::string> split_frames(std::string_view stream);

// A private temporary directory, removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs a command to completion with empty stdin.
struct Output {
  Exit exit;
  std::string out, err;
};
Output run(const std::vector<std::string>& argv,
           const std::map<std::string, std::string>& env = {});

}  // namespace optguard::test

#include "install/probe.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX kill and sigaction
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <thread>

#include "common/unique_fd.hpp"

namespace optguard::install {
namespace {
// One owned descriptor.

struct Pipe {
  UniqueFd read, write;
};
Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Reaps the child on every path out of probe_host.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0 && !waited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  // Waits up to `ms` for the child to exit; returns its status code or -1.
  int wait_for(int ms) {
    for (int waited = 0;; waited += 10) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        waited_ = true;
        if (WIFEXITED(status)) return WEXITSTATUS(status);
        if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
        return -1;
      }
      if (waited >= ms) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  bool exited() const { return waited_; }

 private:
  pid_t pid_;
  bool waited_ = false;
};
}  // namespace

std::vector<std::string> chromium_args(const std::string& origin) {
  return {origin};
}
std::vector<std::string> firefox_args(const std::filesystem::path& manifest,
                                      const std::string& addon_id) {
  return {manifest.string(), addon_id};
}

ProbeResult probe_host(const std::filesystem::path& host, const std::vector<std::string>& args,
                       std::chrono::milliseconds timeout) {
  ProbeResult r;
  // A host that dies before reading its input must not kill us with SIGPIPE.
  struct sigaction ignore {};
  struct sigaction old {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old);
  struct Restore {
    struct sigaction* old;
    ~Restore() { ::sigaction(SIGPIPE, old, nullptr); }
  } restore{&old};

  auto in = make_pipe();
  auto out = make_pipe();
  auto err = make_pipe();
  auto exec_status = make_pipe();  // carries errno when exec fails

  std::vector<std::string> argv_store;
  argv_store.push_back(host.string());
  argv_store.insert(argv_store.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_store.size() + 1);
  for (auto& a : argv_store) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string dir = host.parent_path().string();

  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) {
    r.error = std::string("fork: ") + std::strerror(errno);
    return r;
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls from here.
    ::dup2(in.read.get(), 0);
    ::dup2(out.write.get(), 1);
    ::dup2(err.write.get(), 2);
    if (!dir.empty() && ::chdir(dir.c_str()) != 0) {
      // Browsers fail the same way; report it like an exec failure.
    }
    ::execv(argv[0], argv.data());
    const int e = errno;
    [[maybe_unused]] auto n = ::write(exec_status.write.get(), &e, sizeof e);
    ::_exit(127);
  }
  Child child(pid);
  in.read.reset();
  out.write.reset();
  err.write.reset();
  exec_status.write.reset();

  int exec_errno = 0;
  if (::read(exec_status.read.get(), &exec_errno, sizeof exec_errno) == sizeof exec_errno) {
    r.exit_code = child.wait_for(1000);
    r.error = "cannot start " + host.string() + ": " + std::strerror(exec_errno);
    return r;
  }
  r.started = true;

  const std::string request = R"({"id":1,"type":"hello"})";
  const auto len = static_cast<std::uint32_t>(request.size());
  std::string frame(reinterpret_cast<const char*>(&len), sizeof len);  // native byte order
  frame += request;
  if (::write(in.write.get(), frame.data(), frame.size()) != static_cast<ssize_t>(frame.size())) {
    // The host may already have exited; its exit status says why.
  }

  std::string stdout_buf;
  bool out_open = true;
  bool err_open = true;
  const auto deadline = start + timeout;
  auto frame_complete = [&] {
    if (stdout_buf.size() < 4) return false;
    std::uint32_t n = 0;
    std::memcpy(&n, stdout_buf.data(), 4);
    return stdout_buf.size() >= 4 + static_cast<std::size_t>(n);
  };
  while ((out_open || err_open) && !frame_complete()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      break;
    }
    pollfd fds[2] = {{out_open ? out.read.get() : -1, POLLIN, 0},
                     {err_open ? err.read.get() : -1, POLLIN, 0}};
    const int pr = ::poll(fds, 2, static_cast<int>(left.count()));
    if (pr < 0) {
      if (errno == EINTR) continue;
      break;
    }
    char buf[4096];
    if (out_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      const ssize_t n = ::read(out.read.get(), buf, sizeof buf);
      if (n <= 0)
        out_open = false;
      else
        stdout_buf.append(buf, static_cast<std::size_t>(n));
    }
    if (err_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      const ssize_t n = ::read(err.read.get(), buf, sizeof buf);
      if (n <= 0)
        err_open = false;
      else if (r.stderr_text.size() < 4096)
        r.stderr_text.append(buf, static_cast<std::size_t>(n));
    }
  }
  r.millis =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  // Closing stdin is how a browser says goodbye; a well-behaved host exits.
  in.write.reset();
  if (frame_complete()) {
    std::uint32_t n = 0;
    std::memcpy(&n, stdout_buf.data(), 4);
    try {
      r.reply = nlohmann::json::parse(stdout_buf.substr(4, n));
      r.answered = r.reply.is_object() && r.reply.value("ok", false) && r.reply.contains("result");
      if (!r.answered) r.error = "the host answered hello with an error: " + r.reply.dump();
    } catch (const nlohmann::json::exception& e) {
      r.error = std::string("the host's reply is not JSON: ") + e.what();
    }
    r.exit_code = child.wait_for(1000);
    return r;
  }
  r.exit_code = child.wait_for(r.timed_out ? 0 : 1000);
  if (r.timed_out) {
    r.error = "no reply to hello within " + std::to_string(timeout.count()) + " ms";
  } else if (child.exited()) {
    r.error =
        "the host exited with status " + std::to_string(r.exit_code) + " before answering hello";
  } else {
    r.error = "the host closed its output before answering hello";
  }
  return r;
}

}  // namespace optguard::install

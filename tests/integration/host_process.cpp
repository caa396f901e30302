#include "host_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <thread>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX declares it nowhere

namespace optguard::test {
namespace {
[[noreturn]] void fail_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

std::array<Fd, 2> make_pipe() {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) fail_errno("pipe2");
  return {Fd(fds[0]), Fd(fds[1])};
}

std::vector<std::string> environment(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry{*e};
    const auto eq = entry.find('=');
    const std::string name{entry.substr(0, eq)};
    if (!overrides.contains(name)) out.emplace_back(entry);
  }
  for (const auto& [name, value] : overrides) {
    if (!value.empty()) out.push_back(name + "=" + value);
  }
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Frees posix_spawn_file_actions_t on every path.
struct FileActions {
  posix_spawn_file_actions_t actions{};
  FileActions() { posix_spawn_file_actions_init(&actions); }
  ~FileActions() { posix_spawn_file_actions_destroy(&actions); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
};
}  // namespace

void Fd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Process::Process(const std::vector<std::string>& argv,
                 const std::map<std::string, std::string>& env) {
  // Writing to a host that has exited must be an error we see, not our death.
  std::signal(SIGPIPE, SIG_IGN);
  auto in = make_pipe();
  auto out = make_pipe();
  auto err = make_pipe();
  FileActions fa;
  posix_spawn_file_actions_adddup2(&fa.actions, in[0].get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&fa.actions, out[1].get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa.actions, err[1].get(), STDERR_FILENO);
  auto args = argv;
  auto env_strings = environment(env);
  auto c_args = c_strings(args);
  auto c_env = c_strings(env_strings);
  const int rc =
      ::posix_spawn(&pid_, args.at(0).c_str(), &fa.actions, nullptr, c_args.data(), c_env.data());
  if (rc != 0) throw std::system_error(rc, std::generic_category(), "posix_spawn " + args[0]);
  in_ = std::move(in[1]);
  out_fd_ = std::move(out[0]);
  err_fd_ = std::move(err[0]);
  if (::fcntl(in_.get(), F_SETFL, O_NONBLOCK) != 0) fail_errno("fcntl");
}

Process::~Process() {
  if (!exit_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

void Process::send(std::string_view bytes) {
  pending_.append(bytes);
}
void Process::send_frame(std::string_view body) {
  pending_.append(frame(body));
}

void Process::close_stdin() {
  close_after_pending_ = true;
  if (pending_.empty()) in_.reset();
}

void Process::close_stdout() {
  out_fd_.reset();
}

void Process::pump_once(int timeout_ms) {
  std::array<pollfd, 3> fds{};
  nfds_t n = 0;
  int in_slot = -1;
  int out_slot = -1;
  int err_slot = -1;
  if (in_ && !pending_.empty()) {
    in_slot = static_cast<int>(n);
    fds[n++] = {in_.get(), POLLOUT, 0};
  }
  if (out_fd_ && !out_eof_) {
    out_slot = static_cast<int>(n);
    fds[n++] = {out_fd_.get(), POLLIN, 0};
  }
  if (err_fd_ && !err_eof_) {
    err_slot = static_cast<int>(n);
    fds[n++] = {err_fd_.get(), POLLIN, 0};
  }
  if (n == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(timeout_ms, 5)));
    return;
  }
  const int ready = ::poll(fds.data(), n, timeout_ms);
  if (ready < 0) {
    if (errno == EINTR) return;
    fail_errno("poll");
  }
  std::array<char, 65536> buf{};
  auto drain = [&](int slot, Fd& fd, std::string& into, bool& eof) {
    if (slot < 0 || fds[static_cast<std::size_t>(slot)].revents == 0) return;
    const ssize_t got = ::read(fd.get(), buf.data(), buf.size());
    if (got > 0)
      into.append(buf.data(), static_cast<std::size_t>(got));
    else if (got == 0 || errno != EINTR)
      eof = true;
  };
  drain(out_slot, out_fd_, out_, out_eof_);
  drain(err_slot, err_fd_, err_, err_eof_);
  if (in_slot >= 0 && fds[static_cast<std::size_t>(in_slot)].revents != 0) {
    const ssize_t put = ::write(in_.get(), pending_.data(), pending_.size());
    if (put > 0) {
      pending_.erase(0, static_cast<std::size_t>(put));
    } else if (put < 0 && errno != EAGAIN && errno != EINTR) {
      pending_.clear();  // the host closed its stdin (exited): nothing more can be sent
      in_.reset();
    }
  }
  if (in_ && pending_.empty() && close_after_pending_) in_.reset();
}

template <class Pred>
bool Process::pump(Pred done, std::chrono::steady_clock::time_point deadline) {
  while (!done()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pump_once(static_cast<int>(std::min<std::int64_t>(left.count(), 50)));
  }
  return true;
}

std::optional<std::string> Process::read_frame(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto have_frame = [this] {
    if (out_.size() < 4) return false;
    std::uint32_t len = 0;
    std::memcpy(&len, out_.data(), 4);
    return out_.size() >= 4 + std::size_t{len};
  };
  pump([&] { return have_frame() || out_eof_ || !out_fd_; }, deadline);
  if (!have_frame()) return std::nullopt;
  std::uint32_t len = 0;
  std::memcpy(&len, out_.data(), 4);
  std::string body = out_.substr(4, len);
  out_.erase(0, 4 + std::size_t{len});
  return body;
}

Exit Process::wait(std::chrono::milliseconds timeout) {
  if (exit_) return *exit_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const bool drained =
      pump([this] { return (out_eof_ || !out_fd_) && (err_eof_ || !err_fd_); }, deadline);
  Exit e;
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid_, &status, drained ? 0 : WNOHANG);
    if (r == pid_) break;
    if (r < 0 && errno != EINTR) fail_errno("waitpid");
    if (std::chrono::steady_clock::now() >= deadline) {
      e.timed_out = true;
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    if (r == 0) std::this_thread::sleep_for(5ms);
  }
  if (e.timed_out) {
    e.signal = SIGKILL;
  } else if (WIFEXITED(status)) {
    e.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    e.signal = WTERMSIG(status);
  }
  exit_ = e;
  return e;
}

std::string frame(std::string_view body) {
  const auto n = static_cast<std::uint32_t>(body.size());
  std::string out(4, '\0');
  std::memcpy(out.data(), &n, 4);
  out.append(body);
  return out;
}

std::vector<std::string> split_frames(std::string_view stream) {
  std::vector<std::string> out;
  while (!stream.empty()) {
    if (stream.size() < 4) throw std::runtime_error("stdout ends inside a length prefix");
    std::uint32_t len = 0;
    std::memcpy(&len, stream.data(), 4);
    if (stream.size() - 4 < len) throw std::runtime_error("stdout ends inside a frame body");
    out.emplace_back(stream.substr(4, len));
    stream.remove_prefix(4 + std::size_t{len});
  }
  return out;
}

TempDir::TempDir() {
  std::string templ = (std::filesystem::temp_directory_path() / "optguard-test-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) fail_errno("mkdtemp");
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

Output run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  Process p(argv, env);
  Output o;
  o.exit = p.finish(30s);
  o.out = p.out();
  o.err = p.err();
  return o;
}

}  // namespace optguard::test

// Protocol benchmark: the host (`optguard serve`) against a minimal frame-echo program
// (the floor), both over the same kind of pipes a browser uses.
//
//   throughput: a writer thread sends N `ping` requests back to back while the main
//               thread reads the N replies (pipelined, as a busy extension would);
//   latency:    one request at a time, the round trip of each, p50 and p99;
//
// the bench on one CPU and the host or the echo on another (for 100-byte requests, latency
// also with all three on one CPU: see Layout), each figure from rounds in which the host and
// the echo take turns (the median round for throughput, every round trip for latency),
// for 100-byte and 100-KiB requests (the ping carries `data`, which the reply echoes, so
// host replies and echo replies are the same size give or take the envelope).
//
// Usage: bench_pipes [--host PATH] [--echo PATH] [--quick]
#include <fcntl.h>
#include <sched.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace {
using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// A child with stdin and stdout on pipes; stderr inherited.
class Child {
 public:
  explicit Child(std::vector<std::string> argv) {
    std::array<int, 2> in{};
    std::array<int, 2> out{};
    if (::pipe2(in.data(), O_CLOEXEC) != 0 || ::pipe2(out.data(), O_CLOEXEC) != 0) fail("pipe2");
    Fd in_r(in[0]);
    Fd out_w(out[1]);
    to_child_ = Fd(in[1]);
    from_child_ = Fd(out[0]);
    posix_spawn_file_actions_t fa{};
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_r.get(), STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, out_w.get(), STDOUT_FILENO);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, argv[0].c_str(), &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::system_error(rc, std::generic_category(), "posix_spawn " + argv[0]);
  }
  ~Child() {
    to_child_.reset();
    from_child_.reset();
    if (pid_ > 0) {
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  void write_all(std::string_view bytes) const {
    while (!bytes.empty()) {
      const ssize_t n = ::write(to_child_.get(), bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail("writing to the child");
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // The next frame's body (buffered reads, like the host's).
  std::string_view read_frame() {
    std::uint32_t len = 0;
    fill(4);
    std::memcpy(&len, buf_.data() + pos_, 4);
    pos_ += 4;
    fill(len);
    const std::string_view body(buf_.data() + pos_, len);
    pos_ += len;
    return body;
  }

 private:
  void fill(std::size_t need) {
    if (end_ - pos_ >= need) return;
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
    if (buf_.size() < need) buf_.resize(std::max(need, buf_.size() * 2));
    while (end_ < need) {
      const ssize_t n = ::read(from_child_.get(), buf_.data() + end_, buf_.size() - end_);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error("the child closed stdout");
      end_ += static_cast<std::size_t>(n);
    }
  }

  pid_t pid_ = -1;
  Fd to_child_, from_child_;
  std::vector<char> buf_ = std::vector<char>(std::size_t{256} * 1024);
  std::size_t pos_ = 0, end_ = 0;
};

std::string frame(std::string_view body) {
  const auto n = static_cast<std::uint32_t>(body.size());
  std::string out(4, '\0');
  std::memcpy(out.data(), &n, 4);
  out.append(body);
  return out;
}

// A ping request of exactly `size` bytes. `general`: its data is an object holding a decimal
// number and the string (a deeper tree, a number to print). Every message takes the same
// path (one parse, the handler reading the Request, JsonWriter); the two kinds differ only in
// what they carry.
std::string request(std::size_t size, int id, bool general = false) {
  std::string head = R"({"id":)" + std::to_string(id) + R"(,"type":"ping","data":)" +
                     (general ? R"({"n":0.5,"s":")" : R"(")");
  const std::string tail = general ? "\"}}" : "\"}";
  if (size < head.size() + tail.size()) throw std::logic_error("request size too small");
  head.append(size - head.size() - tail.size(), 'x');
  return head + tail;
}

struct Figures {
  double msgs_per_s = 0;
  double p50_us = 0;
  double p99_us = 0;
};

// Rounds per figure, host and echo taking turns: a burst of load elsewhere on the machine
// (or a vCPU descheduled by the hypervisor) then spoils one round of each side, not one
// side's whole figure, and the median of the rounds sets it aside.
constexpr int kRounds = 5;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void warm_up(Child& child, std::size_t size, bool general) {
  // Pages in the binary, the allocator, the caches.
  for (int i = 0; i < 200; ++i) {
    child.write_all(frame(request(size, i, general)));
    (void)child.read_frame();
  }
}

// One pipelined round: a writer thread sends the stream's `count` requests back to back
// while this thread reads the replies. Messages per second.
double throughput_round(Child& child, const std::string& stream, int count, std::size_t size) {
  const auto start = Clock::now();
  std::thread writer([&] {
    constexpr std::size_t kChunk = std::size_t{64} * 1024;
    for (std::size_t off = 0; off < stream.size(); off += kChunk) {
      child.write_all(std::string_view(stream).substr(off, kChunk));
    }
  });
  std::size_t bytes = 0;
  for (int i = 0; i < count; ++i) bytes += child.read_frame().size();
  const auto elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  writer.join();
  if (bytes < static_cast<std::size_t>(count) * size) throw std::runtime_error("short replies");
  return count / elapsed;
}

// `count` sequential round trips of `one` (a whole frame), each appended to `us`.
void latency_round(Child& child, const std::string& one, int count, std::vector<double>& us) {
  for (int i = 0; i < count; ++i) {
    const auto t0 = Clock::now();
    child.write_all(one);
    (void)child.read_frame();
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
}

void percentiles(std::vector<double> us, Figures& f) {
  std::sort(us.begin(), us.end());
  f.p50_us = us[us.size() / 2];  // median()'s element, without a second sort
  f.p99_us = us[us.size() * 99 / 100];
}

struct Pair {
  Figures host;
  Figures echo;
};

// Where the processes run. On a VM whose idle vCPUs halt to the hypervisor, waking a
// process on another CPU costs tens of microseconds, a context switch on the same CPU about
// one: left to the scheduler, which of the two a run gets (and so every figure, for the
// host and the echo alike) is chance. So each layout is fixed.
struct Layout {
  const char* name;  // printed after the measure ("" for the main layout)
  int bench_cpu;     // the bench's threads; -1: wherever the scheduler puts them
  int child_cpu;     // the host or the echo
};

// The calling thread's CPU set, restored when the scope ends. A child spawned meanwhile
// inherits the set the spawning thread has (posix_spawn keeps it), a thread started
// meanwhile the set of the thread that starts it.
class CpuScope {
 public:
  CpuScope() {
    if (::sched_getaffinity(0, sizeof saved_, &saved_) != 0) fail("sched_getaffinity");
  }
  ~CpuScope() { (void)::sched_setaffinity(0, sizeof saved_, &saved_); }
  CpuScope(const CpuScope&) = delete;
  CpuScope& operator=(const CpuScope&) = delete;

  static void pin(int cpu) {
    if (cpu < 0) return;
    cpu_set_t one;
    CPU_ZERO(&one);      // NOLINT: glibc's macro
    CPU_SET(cpu, &one);  // NOLINT: glibc's macro
    if (::sched_setaffinity(0, sizeof one, &one) != 0) fail("sched_setaffinity");
  }

 private:
  cpu_set_t saved_{};
};

// The CPUs this process may run on, in order.
std::vector<int> usable_cpus() {
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof set, &set) != 0) fail("sched_getaffinity");
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);  // NOLINT: glibc's macro
  }
  return cpus;
}

// Both programs for one request kind in one layout: throughput (unless `throughput_count`
// is 0), the median of kRounds rounds each, then latency over kRounds blocks each, the two
// taking turns.
Pair measure(const std::string& host, const std::string& echo, const Layout& layout,
             std::size_t size, bool general, int throughput_count, int latency_count) {
  const CpuScope scope;
  CpuScope::pin(layout.child_cpu);
  Child host_child({host, "serve"});
  Child echo_child({echo});
  CpuScope::pin(layout.bench_cpu);
  warm_up(host_child, size, general);
  warm_up(echo_child, size, general);
  Pair p;
  if (throughput_count > 0) {
    // All requests prepared up front so the writer measures the pipe, not string building.
    std::string stream;
    const std::string one = frame(request(size, 1, general));
    stream.reserve(one.size() * static_cast<std::size_t>(throughput_count));
    for (int i = 0; i < throughput_count; ++i) stream += one;
    std::vector<double> host_rates;
    std::vector<double> echo_rates;
    for (int r = 0; r < kRounds; ++r) {
      host_rates.push_back(throughput_round(host_child, stream, throughput_count, size));
      echo_rates.push_back(throughput_round(echo_child, stream, throughput_count, size));
    }
    p.host.msgs_per_s = median(host_rates);
    p.echo.msgs_per_s = median(echo_rates);
  }
  const std::string trip = frame(request(size, 2, general));
  std::vector<double> host_us;
  std::vector<double> echo_us;
  for (int r = 0; r < kRounds; ++r) {
    latency_round(host_child, trip, latency_count / kRounds, host_us);
    latency_round(echo_child, trip, latency_count / kRounds, echo_us);
  }
  percentiles(std::move(host_us), p.host);
  percentiles(std::move(echo_us), p.echo);
  return p;
}

// What simdjson's DOM parse of `body` alone costs, in process, without pipes (ns, the median
// of 5 runs): the one piece of the host's per-message work that is a library call and that the
// echo does not do, printed so the host/floor ratio of small messages can be read against it.
double parse_only_ns(const std::string& body) {
  const simdjson::padded_string padded(body);
  simdjson::dom::parser parser;
  constexpr int kParses = 200000;
  std::array<double, 5> runs{};
  std::size_t ok = 0;
  for (double& run : runs) {
    const auto t0 = Clock::now();
    for (int i = 0; i < kParses; ++i) {
      simdjson::dom::element root;
      ok +=
          parser.parse(padded.data(), padded.size(), false).get(root) == simdjson::SUCCESS ? 1 : 0;
    }
    run = std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / kParses;
  }
  if (ok != runs.size() * kParses)
    throw std::runtime_error("the benchmark's request does not parse");
  return median({runs.begin(), runs.end()});
}

std::string human(double v) {
  std::array<char, 32> b{};
  if (v >= 100)
    (void)std::snprintf(b.data(), b.size(), "%.0f", v);
  else
    (void)std::snprintf(b.data(), b.size(), "%.1f", v);
  return b.data();
}
}  // namespace

int main(int argc, char** argv) {
  (void)std::signal(SIGPIPE, SIG_IGN);
  std::string host = OPTGUARD_BIN;
  std::string echo = FRAME_ECHO_BIN;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a{argv[i]};
    if (a == "--host" && i + 1 < argc)
      host = argv[++i];
    else if (a == "--echo" && i + 1 < argc)
      echo = argv[++i];
    else if (a == "--quick")
      quick = true;
    else {
      (void)std::fprintf(stderr, "usage: bench_pipes [--host PATH] [--echo PATH] [--quick]\n");
      return 2;
    }
  }
  struct Case {
    const char* name;
    std::size_t size;
    bool general;
    int throughput;
    int latency;
  };
  const int scale = quick ? 10 : 1;
  const std::array<Case, 4> cases{
      {{"100 B", 100, false, 400000 / scale, 50000 / scale},
       {"100 KiB", std::size_t{100} * 1024, false, 4000 / scale, 2000 / scale},
       {"100 B*", 100, true, 400000 / scale, 50000 / scale},
       {"100 KiB*", std::size_t{100} * 1024, true, 4000 / scale, 2000 / scale}}};
  std::printf(
      "optguard protocol benchmark: `optguard serve` vs frame_echo (the floor), same pipes\n");
  std::printf("host: %s\necho: %s\n\n", host.c_str(), echo.c_str());
  std::vector<Layout> layouts;
  try {
    const std::vector<int> cpus = usable_cpus();
    if (cpus.size() >= 2) {
      layouts.push_back({"", cpus[0], cpus[1]});
      layouts.push_back({" 1cpu", cpus[0], cpus[0]});
      std::printf(
          "layout: the bench's threads on CPU %d, the host or the echo on CPU %d (1cpu "
          "rows: all on CPU %d)\n\n",
          cpus[0], cpus[1], cpus[0]);
    } else {
      layouts.push_back({"", -1, -1});
      std::printf("layout: one CPU\n\n");
    }
  } catch (const std::exception& ex) {
    (void)std::fprintf(stderr, "bench_pipes: %s\n", ex.what());
    return 1;
  }
  std::printf("%-8s %-12s %14s %14s %12s\n", "request", "measure", "host", "echo floor",
              "host/floor");
  const auto row = [](const char* name, const std::string& measure, double host_figure,
                      double echo_figure, double ratio) {
    std::printf("%-8s %-12s %14s %14s %11.2fx\n", name, measure.c_str(), human(host_figure).c_str(),
                human(echo_figure).c_str(), ratio);
  };
  std::vector<std::string> parse_notes;
  try {
    for (const auto& c : cases) {
      for (const Layout& layout : layouts) {
        // Throughput in the main layout only (on one CPU it is the sum of both sides' work).
        const bool main_layout = &layout == &layouts.front();
        if (!main_layout && c.size != 100) continue;
        const Pair pair = measure(host, echo, layout, c.size, c.general,
                                  main_layout ? c.throughput : 0, c.latency);
        const Figures& h = pair.host;
        const Figures& e = pair.echo;
        const std::string suffix = layout.name;
        if (main_layout) {
          row(c.name, "msgs/s", h.msgs_per_s, e.msgs_per_s, e.msgs_per_s / h.msgs_per_s);
          if (c.size == 100) {
            const double parse_ns = parse_only_ns(request(c.size, 1, c.general));
            const double echo_ns = 1e9 / e.msgs_per_s;
            std::array<char, 256> b{};
            (void)std::snprintf(
                b.data(), b.size(),
                "%-8s pipelined: host %.0f ns/msg, echo %.0f ns/msg (3x = %.0f); simdjson's "
                "DOM parse alone, in process: %.0f ns (%.2fx the echo's whole message)",
                c.name, 1e9 / h.msgs_per_s, echo_ns, 3 * echo_ns, parse_ns, parse_ns / echo_ns);
            parse_notes.emplace_back(b.data());
          }
        }
        row(c.name, "p50 us" + suffix, h.p50_us, e.p50_us, h.p50_us / e.p50_us);
        row(c.name, "p99 us" + suffix, h.p99_us, e.p99_us, h.p99_us / e.p99_us);
      }
    }
  } catch (const std::exception& ex) {
    (void)std::fprintf(stderr, "bench_pipes: %s\n", ex.what());
    return 1;
  }
  std::printf("\n");
  for (const auto& note : parse_notes) std::printf("%s\n", note.c_str());
  std::printf(
      "\n(host/floor: how many times slower the host is than the echo; msgs/s pipelined with\n"
      " %d/%d messages, the median of %d rounds, host and echo taking turns; latency sequential\n"
      " with %d/%d round trips in %d blocks, taking turns; goal: >= 200,000 small msgs/s,\n"
      " p99 <= 50 us, within 3x of the floor)\n"
      "(1cpu: the bench, the host and the echo on one CPU, so no round trip waits for another\n"
      " CPU to wake: on a VM whose idle vCPUs halt to the hypervisor, that wake-up, not either\n"
      " program, sets most of the other rows' latency, the host's and the echo's alike)\n"
      "(* ping whose data is an object holding a decimal number and the string; every message,\n"
      " ping or not, takes the one path: simdjson parse -> Request -> the handler's result ->\n"
      " JsonWriter)\n",
      cases[0].throughput, cases[1].throughput, kRounds, cases[0].latency, cases[1].latency,
      kRounds);
  return 0;
}

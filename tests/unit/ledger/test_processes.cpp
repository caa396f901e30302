// Real processes on one ledger: kill -9 in the middle of a write loop, and concurrent writers.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <random>
#include <set>

#include "helpers.hpp"

using namespace optguard::ledger;
using namespace ledger_test;

namespace {
struct Child {
  pid_t pid = -1;
  int out = -1;  // read end of its stdout
};

Child spawn_writer(const fs::path& home, const std::vector<std::string>& args) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    std::vector<std::string> all{LEDGER_WRITER_PATH, home.string()};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  return {pid, fds[0]};
}

// Reads what is available within `ms` milliseconds (or until EOF when ms < 0).
void read_for(int fd, int ms, std::string& out) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  char buf[4096];
  for (;;) {
    int wait = -1;
    if (ms >= 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            end - std::chrono::steady_clock::now())
                            .count();
      if (left <= 0) return;
      wait = static_cast<int>(left);
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, wait) <= 0) return;
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

std::int64_t last_reported(const std::string& out) {
  std::int64_t last = 0;
  for (std::size_t p = 0, q; (q = out.find('\n', p)) != std::string::npos; p = q + 1) {
    last = std::max<std::int64_t>(last, std::stoll(out.substr(p, q - p)));
  }
  return last;
}
}  // namespace

TEST_CASE(
    "kill -9 in the middle of a write loop never loses a committed record nor breaks the chain") {
  TempHome home;
  std::mt19937 rng(20261129);
  std::uniform_int_distribution<int> delay(2, 40);
  std::int64_t committed = 0;  // highest seq any writer reported as committed
  const int iterations = 100;
  for (int i = 0; i < iterations; ++i) {
    Child c = spawn_writer(home.path(), {"loop", std::to_string(i)});
    std::string out;
    read_for(c.out, delay(rng), out);
    ::kill(c.pid, SIGKILL);
    int status = 0;
    ::waitpid(c.pid, &status, 0);
    read_for(c.out, -1, out);  // lines written before the kill
    ::close(c.out);
    committed = std::max(committed, last_reported(out));

    Ledger ledger(home.path(), test_options());
    const std::int64_t n = ledger.count();
    INFO("iteration " << i << ": " << n << " records, last committed seq " << committed);
    REQUIRE(n >= committed);
    const auto v = ledger.verify();
    INFO(v.message);
    REQUIRE(v.ok);
    committed = n;  // what is durable now must stay
  }
  CHECK(committed > 0);
}

TEST_CASE("two processes appending at once lose nothing and duplicate nothing") {
  TempHome home;
  { Ledger ledger(home.path(), test_options()); }  // created once, so both writers share the key
  const int per_writer = 400;
  Child a = spawn_writer(home.path(), {"count", "A", std::to_string(per_writer)});
  Child b = spawn_writer(home.path(), {"count", "B", std::to_string(per_writer)});
  std::string out_a, out_b;
  read_for(a.out, -1, out_a);
  read_for(b.out, -1, out_b);
  int sa = 0, sb = 0;
  ::waitpid(a.pid, &sa, 0);
  ::waitpid(b.pid, &sb, 0);
  ::close(a.out);
  ::close(b.out);
  REQUIRE(WIFEXITED(sa));
  REQUIRE(WEXITSTATUS(sa) == 0);
  REQUIRE(WIFEXITED(sb));
  REQUIRE(WEXITSTATUS(sb) == 0);

  Ledger ledger(home.path(), test_options());
  CHECK(ledger.count() == 2 * per_writer);
  const auto v = ledger.verify();
  INFO(v.message);
  CHECK(v.ok);
  std::set<std::pair<std::string, std::int64_t>> seen;
  std::set<std::int64_t> seqs;
  bool interleaved = false;
  std::string prev_site;
  ledger.list({}, [&](const Record& r) {
    seqs.insert(r.seq);
    const std::string site = r.payload["site"];
    if (!prev_site.empty() && site != prev_site) interleaved = true;
    prev_site = site;
    CHECK(seen.insert({site, r.payload["gpc"].get<std::int64_t>()}).second);  // no duplicate
    return true;
  });
  CHECK(seen.size() == 2 * per_writer);
  CHECK(seqs.size() == 2 * per_writer);
  CHECK(*seqs.rbegin() == 2 * per_writer);
  WARN("writers interleaved: " << (interleaved ? "yes" : "no"));
}

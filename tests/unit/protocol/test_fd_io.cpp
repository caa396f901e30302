#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <string>
#include <thread>

#include "memory_io.hpp"
#include "protocol/fd_io.hpp"
#include "protocol/framing.hpp"

using namespace optguard::protocol;
using optguard::test::frame_of;

namespace {
// A pipe whose ends close on scope exit.
struct Pipe {
  std::array<int, 2> fds{-1, -1};
  Pipe() { REQUIRE(::pipe2(fds.data(), O_CLOEXEC) == 0); }
  ~Pipe() {
    close_write();
    if (fds[0] >= 0) ::close(fds[0]);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  void close_write() {
    if (fds[1] >= 0) ::close(fds[1]);
    fds[1] = -1;
  }
};
}  // namespace

TEST_CASE("fd_io: buffered reads split back-to-back frames exactly", "[fd_io]") {
  Pipe p;
  const std::string big(200 * 1024, 'b');  // larger than the reader's buffer
  const std::string stream = frame_of("{\"a\":1}") + frame_of("") + frame_of(big) + frame_of("[2]");
  std::thread writer([&] {
    FdWriter out(p.fds[1]);
    // Uneven pieces so frames straddle the reader's buffer refills.
    for (std::size_t off = 0; off < stream.size(); off += 7777) {
      out.write_all(std::span<const char>(stream.data() + off,
                                          std::min<std::size_t>(7777, stream.size() - off)));
    }
    p.close_write();
  });
  FdReader in(p.fds[0]);
  const Limits limits;
  auto f = read_frame(in, limits);
  CHECK(f.status == ReadStatus::frame);
  CHECK(f.body == "{\"a\":1}");
  f = read_frame(in, limits);
  CHECK(f.status == ReadStatus::frame);
  CHECK(f.body.empty());
  f = read_frame(in, limits);
  CHECK(f.status == ReadStatus::frame);
  CHECK(f.body == big);
  f = read_frame(in, limits);
  CHECK(f.status == ReadStatus::frame);
  CHECK(f.body == "[2]");
  CHECK(read_frame(in, limits).status == ReadStatus::end_of_stream);
  writer.join();
}

TEST_CASE("fd_io: EOF inside a body is reported as truncated", "[fd_io]") {
  Pipe p;
  const std::string partial = frame_of("{\"id\":1,\"type\":\"ping\"}").substr(0, 10);
  FdWriter(p.fds[1]).write_all(partial);
  p.close_write();
  FdReader in(p.fds[0]);
  const auto f = read_frame(in, Limits{});
  CHECK(f.status == ReadStatus::truncated);
  CHECK(f.bytes_received == 6);
}

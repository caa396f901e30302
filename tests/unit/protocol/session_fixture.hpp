#pragma once
// A Session over in-memory streams and the replies it wrote, for the protocol tests
// (test_session, test_reply_path).
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "memory_io.hpp"
#include "protocol/framing.hpp"
#include "protocol/session.hpp"

namespace optguard::test {

// The replies in a written stream, parsed; every frame must be whole and under the cap.
inline std::vector<protocol::Json> replies_in(std::string_view written) {
  MemoryReader in{std::string(written)};
  std::vector<protocol::Json> replies;
  for (;;) {
    auto f = protocol::read_frame(in, protocol::Limits{});
    if (f.status != protocol::ReadStatus::frame) {
      REQUIRE(f.status == protocol::ReadStatus::end_of_stream);
      return replies;
    }
    REQUIRE(f.body.size() <= protocol::kMaxReplyBytes);
    replies.push_back(protocol::Json::parse(f.body));
  }
}

struct SessionRun {
  int exit_code = 0;
  std::string written;
  std::vector<protocol::Json> replies;
};

// Serves `input` (frames) with `router`, reading at most `chunk` bytes per read.
inline SessionRun run_session(const protocol::Router& router, std::string input,
                              protocol::Limits limits = protocol::Limits{},
                              std::size_t chunk = SIZE_MAX) {
  MemoryReader in(std::move(input), chunk);
  MemoryWriter out;
  protocol::Session s(router, protocol::Caller{"cli", "", ""}, limits, in, out);
  SessionRun run;
  run.exit_code = s.run();
  run.written = std::move(out.data);
  run.replies = replies_in(run.written);
  return run;
}

}  // namespace optguard::test

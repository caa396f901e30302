// libFuzzer target over the whole request path: framing -> session -> router, with the
// real hello and ping handlers. The input is a byte stream as a browser would send it.
// Besides the sanitizers, it checks the session's promises: it ends with a known exit
// code, and what it wrote is a whole number of frames, each a JSON object under 1 MiB;
// and its reply to any body is byte for byte the reference reply (nlohmann's own parser
// and dump, reference_path.hpp), its parse the tree nlohmann builds.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "app/messages.hpp"
#include "app/services.hpp"
#include "memory_io.hpp"
#include "protocol/session.hpp"
#include "reference_path.hpp"

namespace {
using namespace optguard;

void require(bool ok) {
  if (!ok) std::abort();
}

// Reads the stream in small pieces sometimes, so frames straddle reads.
class ChoppyReader final : public protocol::ByteReader {
 public:
  ChoppyReader(std::string_view data, std::size_t chunk) : data_(data), chunk_(chunk) {}
  std::size_t read_some(std::span<char> out) override {
    const std::size_t n = std::min({out.size(), data_.size(), chunk_});
    std::memcpy(out.data(), data_.data(), n);
    data_.remove_prefix(n);
    return n;
  }

 private:
  std::string_view data_;
  std::size_t chunk_;
};

const protocol::Router& router() {
  static app::Services services(HomeLocation{"/nonexistent/optguard-fuzz", "fuzz"});
  static const protocol::Router r = [] {
    protocol::Router built;
    app::register_core_messages(built, services);
    return built;
  }();
  return r;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  // The first byte picks the read chunk size and shrinks the caps so the over-cap and
  // skip paths are reachable with small inputs.
  const std::size_t chunk = (data[0] & 0x0F) == 0 ? SIZE_MAX : (data[0] & 0x0F);
  protocol::Limits limits;
  limits.max_request_bytes = 4096;
  limits.max_skip_bytes = 65536;
  limits.max_depth = 16;
  const std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);

  ChoppyReader in(stream, chunk);
  optguard::test::MemoryWriter out;
  protocol::Session session(router(), protocol::Caller{"chromium", "chrome-extension://fuzz/", ""},
                            limits, in, out);
  const int rc = session.run();
  // The one reply path (simdjson, the tree, JsonWriter) answers exactly as the reference
  // would: the same bytes for any body, here the whole input taken as one frame body.
  const protocol::Caller caller{"chromium", "chrome-extension://fuzz/", ""};
  require(session.reply_to(stream) == test::reference_reply(router(), caller, limits, stream));
  // The parse itself: the same tree (or the same error code) as nlohmann's parser, and
  // the writer's text of that tree is nlohmann's dump.
  {
    protocol::MessageParser parser(limits);
    protocol::Json mine;
    protocol::Json ref;
    ErrorCode mine_error = ErrorCode::internal;
    ErrorCode ref_error = ErrorCode::internal;
    try {
      mine = parser.parse(stream);
    } catch (const Error& e) {
      mine_error = e.code();
    }
    try {
      ref = test::reference_parse(stream, limits);
    } catch (const Error& e) {
      ref_error = e.code();
    }
    require(mine_error == ref_error);
    require(mine == ref);
    require(protocol::serialize(mine) == test::nlohmann_dump(ref));
  }
  require(rc == protocol::kExitClean || rc == protocol::kExitTruncated ||
          rc == protocol::kExitUntrusted);

  std::string_view written(out.data);
  while (!written.empty()) {
    require(written.size() >= 4);
    std::uint32_t len = 0;
    std::memcpy(&len, written.data(), 4);
    require(written.size() - 4 >= len && len <= protocol::kMaxReplyBytes);
    const auto reply = protocol::Json::parse(written.substr(4, len), nullptr, false);
    require(reply.is_object() && reply.contains("ok") && reply.contains("id"));
    written.remove_prefix(4 + std::size_t{len});
  }
  return 0;
}

// The built `optguard` binary over pipes, started the way Chrome and Firefox start it.
#include <catch2/catch.hpp>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "host_process.hpp"
#include "optguard/version.hpp"

using nlohmann::json;
using optguard::test::Exit;
using optguard::test::frame;
using optguard::test::Process;
using optguard::test::split_frames;
using optguard::test::TempDir;

namespace {
constexpr const char* kChromeOrigin = "chrome-extension://ckibindkepepohdlpkclkigoglaakafn/";
constexpr const char* kFirefoxId = "optguard@optguard.org";

// Every run gets its own home so nothing touches the real one.
struct Host {
  TempDir home;
  Process proc;
  explicit Host(std::vector<std::string> args, const std::string& log_level = "")
      : proc(with_bin(std::move(args)),
             {{"OPTGUARD_HOME", home.path() + "/home"}, {"OPTGUARD_LOG", log_level}}) {}
  static std::vector<std::string> with_bin(std::vector<std::string> args) {
    args.insert(args.begin(), OPTGUARD_BIN);
    return args;
  }
  json request(const json& req) {
    proc.send_frame(req.dump());
    const auto body = proc.read_frame();
    REQUIRE(body.has_value());
    return json::parse(*body);
  }
  json next_reply() {
    const auto body = proc.read_frame();
    REQUIRE(body.has_value());
    return json::parse(*body);
  }
};

std::string length_prefix(std::uint32_t n) {
  std::string out(4, '\0');
  std::memcpy(out.data(), &n, 4);
  return out;
}

void require_clean_exit(const Exit& e) {
  CHECK_FALSE(e.timed_out);
  CHECK(e.signal == 0);
  CHECK(e.code == 0);
}
}  // namespace

TEST_CASE("pipes: Chrome's launch (origin argument) is served and hello names the caller",
          "[integration]") {
  Host host({kChromeOrigin});
  const auto reply = host.request({{"id", 1}, {"type", "hello"}});
  CHECK(reply["id"] == 1);
  REQUIRE(reply["ok"] == true);
  const auto& r = reply["result"];
  CHECK(r["protocol"] == 1);
  CHECK(r["host"] == optguard::kHostVersion);
  CHECK(r["max_reply_bytes"] == 1024 * 1024);
  CHECK(r["caller"]["browser"] == "chromium");
  CHECK(r["caller"]["origin"] == kChromeOrigin);
  const auto caps = r["capabilities"].get<std::vector<std::string>>();
  CHECK(std::find(caps.begin(), caps.end(), "hello") != caps.end());
  CHECK(std::find(caps.begin(), caps.end(), "ping") != caps.end());
  require_clean_exit(host.proc.finish());
}

TEST_CASE("pipes: Chrome on Windows adds --parent-window and is still served", "[integration]") {
  Host host({kChromeOrigin, "--parent-window=0"});
  const auto reply = host.request({{"id", "a"}, {"type", "hello"}});
  CHECK(reply["id"] == "a");
  CHECK(reply["result"]["caller"]["browser"] == "chromium");
  require_clean_exit(host.proc.finish());
}

TEST_CASE("pipes: Firefox's launch (manifest path, add-on id) is served and hello names the add-on",
          "[integration]") {
  TempDir dir;
  Host host({dir.path() + "/org.optguard.host.json", kFirefoxId});
  const auto reply = host.request({{"id", 7}, {"type", "hello"}});
  REQUIRE(reply["ok"] == true);
  CHECK(reply["result"]["caller"]["browser"] == "firefox");
  CHECK(reply["result"]["caller"]["origin"] == kFirefoxId);
  require_clean_exit(host.proc.finish());
}

TEST_CASE("pipes: `optguard serve` speaks the protocol with the CLI as caller", "[integration]") {
  Host host({"serve"});
  const auto hello = host.request({{"id", 1}, {"type", "hello"}});
  CHECK(hello["result"]["caller"]["browser"] == "cli");
  const auto pong = host.request({{"id", 2}, {"type", "ping"}, {"data", {{"x", "é✓"}}}});
  CHECK(pong["result"]["pong"] == true);
  CHECK(pong["result"]["data"]["x"] == "é✓");
  require_clean_exit(host.proc.finish());
}

TEST_CASE("pipes: many pipelined requests are answered in order, one reply each", "[integration]") {
  Host host({"serve"});
  constexpr int kCount = 2000;
  for (int i = 0; i < kCount; ++i) host.proc.send_frame(json{{"id", i}, {"type", "ping"}}.dump());
  host.proc.close_stdin();
  for (int i = 0; i < kCount; ++i) {
    const auto reply = host.next_reply();
    REQUIRE(reply["id"] == i);
  }
  require_clean_exit(host.proc.wait());
  CHECK(host.proc.out().empty());
}

TEST_CASE("pipes: clean EOF between frames exits 0 and writes nothing", "[integration]") {
  Host host({"serve"});
  const auto e = host.proc.finish();
  require_clean_exit(e);
  CHECK(host.proc.out().empty());
}

TEST_CASE("pipes: EOF inside the length prefix exits non-zero with a log line", "[integration]") {
  Host host({kChromeOrigin});
  host.proc.send(std::string("\x05\x00", 2));
  const auto e = host.proc.finish();
  CHECK_FALSE(e.timed_out);
  CHECK(e.signal == 0);
  CHECK(e.code == 1);
  CHECK_THAT(host.proc.err(), Catch::Contains("ended inside a frame"));
  CHECK(host.proc.out().empty());
}

TEST_CASE("pipes: EOF inside the body exits non-zero with a log line", "[integration]") {
  Host host({kChromeOrigin});
  host.proc.send(length_prefix(40) + R"({"id":1,"type")");
  const auto e = host.proc.finish();
  CHECK_FALSE(e.timed_out);
  CHECK(e.code == 1);
  CHECK_THAT(host.proc.err(), Catch::Contains("ended inside a frame"));
  CHECK(host.proc.out().empty());
}

TEST_CASE("pipes: a frame over --max-frame gets frame_too_large and the next frame is served",
          "[integration]") {
  Host host({"serve", "--max-frame", "64"});
  host.proc.send_frame(json{{"id", 1}, {"type", "ping"}, {"data", std::string(200, 'x')}}.dump());
  const auto refused = host.next_reply();
  CHECK(refused["ok"] == false);
  CHECK(refused["error"]["code"] == "frame_too_large");
  CHECK(refused["id"].is_null());
  const auto pong = host.request({{"id", 2}, {"type", "ping"}});
  CHECK(pong["id"] == 2);
  CHECK(pong["ok"] == true);
  require_clean_exit(host.proc.finish());
}

TEST_CASE("pipes: a length that cannot be trusted ends the session, logged, without waiting for it",
          "[integration]") {
  Host host({"serve", "--max-frame", "64"});
  host.proc.send(length_prefix(0xFFFFFFFFU));
  // stdin stays open: the host must not wait for 4 GiB that will never come.
  const auto e = host.proc.wait(std::chrono::seconds(10));
  CHECK_FALSE(e.timed_out);
  CHECK(e.signal == 0);
  CHECK(e.code == 3);
  CHECK_THAT(host.proc.err(), Catch::Contains("too many to skip"));
  CHECK(host.proc.out().empty());
}

TEST_CASE("pipes: malformed frames get error replies and serving continues", "[integration]") {
  Host host({kChromeOrigin});
  host.proc.send(length_prefix(0));
  host.proc.send_frame("{\"id\": 1, \"type\": ");
  host.proc.send_frame("[1, 2, 3]");
  host.proc.send_frame("{\"id\": 2, \"type\": \"ping\", \"data\": \"\xC3\x28\"}");
  host.proc.send_frame(
      "{\"id\": 3, \"type\": \"ping\", \"data\": \"\xED\xA0\x80\"}");  // a surrogate in UTF-8
  host.proc.send_frame(std::string(1000, '[') + std::string(1000, ']'));
  host.proc.send_frame(R"({"id": 4, "type": "no_such_message"})");
  host.proc.send_frame(R"({"type": "ping"})");
  host.proc.send_frame(R"({"id": 5, "type": "ping"})");
  const std::vector<std::string> expected{"empty_frame",  "bad_json",   "not_an_object",
                                          "bad_json",     "bad_json",   "too_deep",
                                          "unknown_type", "bad_request"};
  for (const auto& code : expected) {
    const auto reply = host.next_reply();
    INFO(reply.dump());
    CHECK(reply["ok"] == false);
    CHECK(reply["error"]["code"] == code);
    CHECK_FALSE(reply["error"]["message"].get<std::string>().empty());
  }
  const auto last = host.next_reply();
  CHECK(last["id"] == 5);
  CHECK(last["ok"] == true);
  require_clean_exit(host.proc.finish());
}

TEST_CASE("pipes: a reply over 1 MiB is never written; the client gets reply_too_large",
          "[integration]") {
  Host host({"serve"});
  host.proc.send_frame(
      json{{"id", 1}, {"type", "ping"}, {"data", std::string(1100 * 1024, 'x')}}.dump());
  const auto body = host.proc.read_frame();
  REQUIRE(body.has_value());
  CHECK(body->size() <= 1024 * 1024);
  const auto reply = json::parse(*body);
  CHECK(reply["id"] == 1);
  CHECK(reply["error"]["code"] == "reply_too_large");
  CHECK(host.request({{"id", 2}, {"type", "ping"}})["ok"] == true);
  require_clean_exit(host.proc.finish());
}

TEST_CASE("pipes: stdout carries frames only, at every log level", "[integration]") {
  for (const std::string level : {"error", "warn", "info", "debug"}) {
    DYNAMIC_SECTION("OPTGUARD_LOG=" << level) {
      Host host({"serve", "--max-frame", "4096"}, level);
      host.proc.send_frame(R"({"id": 1, "type": "hello"})");
      host.proc.send_frame("not json");              // an error reply
      host.proc.send_frame(std::string(5000, ' '));  // skipped: warn
      host.proc.send_frame(R"({"id": 2, "type": "ping", "data": [1]})");
      host.proc.send_frame(R"({"id": 3, "type": "nope"})");
      host.proc.send(length_prefix(100) + "{");  // truncated: error
      const auto e = host.proc.finish();
      CHECK_FALSE(e.timed_out);
      CHECK(e.code == 1);
      std::vector<std::string> frames;
      REQUIRE_NOTHROW(frames = split_frames(host.proc.out()));
      REQUIRE(frames.size() == 5);
      for (const auto& f : frames) {
        const auto msg = json::parse(f);
        CHECK(msg.is_object());
        CHECK(msg.contains("ok"));
      }
      // The log went somewhere: stderr, with the level's lines and nothing above it.
      CHECK_THAT(host.proc.err(), Catch::Contains("error: the stream ended inside a frame"));
      if (level == "error") CHECK_THAT(host.proc.err(), !Catch::Contains("warn:"));
      if (level != "error") CHECK_THAT(host.proc.err(), Catch::Contains("warn: skipped a frame"));
      if (level == "info" || level == "debug")
        CHECK_THAT(host.proc.err(), Catch::Contains("info: session started"));
      if (level == "debug")
        CHECK_THAT(host.proc.err(), Catch::Contains("debug: "));
      else
        CHECK_THAT(host.proc.err(), !Catch::Contains("debug: "));
    }
  }
}

TEST_CASE("pipes: a closed stdout (SIGPIPE) ends the host with its write-failed code, not a signal",
          "[integration]") {
  Host host({kChromeOrigin});
  host.proc.close_stdout();
  host.proc.send_frame(R"({"id": 1, "type": "ping"})");
  const auto e = host.proc.finish();
  CHECK_FALSE(e.timed_out);
  CHECK(e.signal == 0);
  CHECK(e.code == 4);
  CHECK_THAT(host.proc.err(), Catch::Contains("cannot write"));
}

TEST_CASE("pipes: the canned request files in tests/integration/data are answered",
          "[integration]") {
  const std::string data = std::string(OPTGUARD_SOURCE_DIR) + "/tests/integration/data/";
  for (const std::string name : {"hello.bin", "ping.bin"}) {
    DYNAMIC_SECTION(name) {
      std::ifstream in(data + name, std::ios::binary);
      REQUIRE(in.good());
      const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      Host host({"serve"});
      host.proc.send(bytes);
      const auto e = host.proc.finish();
      require_clean_exit(e);
      const auto frames = split_frames(host.proc.out());
      REQUIRE(frames.size() == 1);
      const auto reply = json::parse(frames[0]);
      CHECK(reply["ok"] == true);
      CHECK(reply["id"] == 1);
    }
  }
}

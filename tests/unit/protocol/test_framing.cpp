#include <catch2/catch.hpp>

#include "memory_io.hpp"
#include "protocol/framing.hpp"

using namespace optguard::protocol;
using optguard::test::frame_of;
using optguard::test::length_only;
using optguard::test::MemoryReader;
using optguard::test::MemoryWriter;

TEST_CASE("a frame round-trips through write_frame and read_frame", "[framing]") {
  MemoryWriter w;
  write_frame(w, R"({"id":1,"type":"ping"})");
  MemoryReader r(w.data, 3);  // the reader copes with short reads
  const auto f = read_frame(r, Limits{});
  REQUIRE(f.status == ReadStatus::frame);
  CHECK(f.body == R"({"id":1,"type":"ping"})");
  CHECK(read_frame(r, Limits{}).status == ReadStatus::end_of_stream);
}

TEST_CASE("clean EOF between frames is end_of_stream", "[framing]") {
  MemoryReader r("");
  CHECK(read_frame(r, Limits{}).status == ReadStatus::end_of_stream);
}

TEST_CASE("EOF inside the length prefix is truncated", "[framing]") {
  MemoryReader r(std::string("\x05\x00", 2));
  const auto f = read_frame(r, Limits{});
  CHECK(f.status == ReadStatus::truncated);
  CHECK(f.bytes_received == 2);
}

TEST_CASE("EOF inside the body is truncated", "[framing]") {
  MemoryReader r(length_only(10) + "abc");
  const auto f = read_frame(r, Limits{});
  CHECK(f.status == ReadStatus::truncated);
  CHECK(f.declared_length == 10);
  CHECK(f.bytes_received == 3);
}

TEST_CASE("a lying length does not allocate the claimed size", "[framing]") {
  Limits limits;
  limits.max_request_bytes = 16 * 1024 * 1024;
  MemoryReader r(length_only(16 * 1024 * 1024) + "tiny");
  const auto f = read_frame(r, limits);
  CHECK(f.status == ReadStatus::truncated);
  CHECK(f.body.capacity() < 1024 * 1024);
}

TEST_CASE("length 0 is a frame with an empty body", "[framing]") {
  MemoryReader r(length_only(0) + frame_of("{}"));
  auto f = read_frame(r, Limits{});
  CHECK(f.status == ReadStatus::frame);
  CHECK(f.body.empty());
  f = read_frame(r, Limits{});
  CHECK(f.status == ReadStatus::frame);
  CHECK(f.body == "{}");
}

TEST_CASE("an over-cap frame is skipped and the next frame still reads", "[framing]") {
  Limits limits;
  limits.max_request_bytes = 8;
  limits.max_skip_bytes = 1000;
  MemoryReader r(frame_of(std::string(100, 'x')) + frame_of("{}"));
  auto f = read_frame(r, limits);
  CHECK(f.status == ReadStatus::oversized_skipped);
  CHECK(f.declared_length == 100);
  CHECK(f.body.empty());
  f = read_frame(r, limits);
  CHECK(f.status == ReadStatus::frame);
  CHECK(f.body == "{}");
}

TEST_CASE("an over-cap frame past the skip limit is fatal without reading it", "[framing]") {
  Limits limits;
  limits.max_request_bytes = 8;
  limits.max_skip_bytes = 16;
  MemoryReader r(length_only(0xFFFFFFFFU) + "whatever");
  const auto f = read_frame(r, limits);
  CHECK(f.status == ReadStatus::oversized_fatal);
  CHECK(r.consumed() == 4);
}

TEST_CASE("EOF while skipping an over-cap body is truncated", "[framing]") {
  Limits limits;
  limits.max_request_bytes = 8;
  MemoryReader r(length_only(100) + std::string(50, 'x'));
  CHECK(read_frame(r, limits).status == ReadStatus::truncated);
}

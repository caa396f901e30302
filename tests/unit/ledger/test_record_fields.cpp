// read_record_fields: the tree-free reader verify uses must refuse what the tree parser refused
// and read only the top level.
#include <catch2/catch.hpp>

#include "ledger/record_fields.hpp"

using optguard::ledger::read_record_fields;

TEST_CASE("record fields: a choice record's fields are read", "[ledger][fields]") {
  const auto f = read_record_fields(
      R"({"type":"choice","site":"example.com","key":"gpc","old":true,"new":false,"n":1.5})");
  REQUIRE(f);
  CHECK(f->type == "choice");
  CHECK(f->site == "example.com");
  CHECK(f->key == "gpc");
  REQUIRE(f->new_value);
  CHECK(*f->new_value == false);
}

TEST_CASE("record fields: null new value means unset", "[ledger][fields]") {
  const auto f = read_record_fields(R"({"type":"choice","key":"dnt","new":null})");
  REQUIRE(f);
  CHECK_FALSE(f->new_value);
  CHECK(f->site.empty());
}

TEST_CASE("record fields: nested keys do not count", "[ledger][fields]") {
  const auto f = read_record_fields(
      R"({"type":"blocked","hosts":{"site":"evil.com","type":"x"},"list":[{"key":"k"}],"site":"a.com"})");
  REQUIRE(f);
  CHECK(f->type == "blocked");
  CHECK(f->site == "a.com");
  CHECK(f->key.empty());
}

TEST_CASE("record fields: malformed payloads are refused", "[ledger][fields]") {
  CHECK_FALSE(read_record_fields(""));
  CHECK_FALSE(read_record_fields("[1,2]"));
  CHECK_FALSE(read_record_fields("\"type\""));
  CHECK_FALSE(read_record_fields(R"({"type":"choice")"));
  CHECK_FALSE(read_record_fields(R"({"type":"choice"} trailing)"));
  CHECK_FALSE(read_record_fields("{\"type\":\"\xff\xfe\"}"));  // invalid UTF-8
}

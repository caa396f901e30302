// docs/protocol.md is the contract: every error code and every message the built host
// answers must be documented there.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/errors.hpp"
#include "host_process.hpp"

namespace {
std::string protocol_doc() {
  std::ifstream in(std::string(OPTGUARD_SOURCE_DIR) + "/docs/protocol.md");
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
}  // namespace

TEST_CASE("docs: every error code is listed in docs/protocol.md", "[integration][docs]") {
  const std::string doc = protocol_doc();
  const auto error_section = doc.find("## Error codes");
  REQUIRE(error_section != std::string::npos);
  const std::string section = doc.substr(error_section);
#define OPTGUARD_X(name, text)                                           \
  {                                                                      \
    const std::string cell = std::string("| `") + #name + "` |";         \
    INFO("error code " << #name << " needs a row `" << cell << " ...`"); \
    CHECK(section.find(cell) != std::string::npos);                      \
  }
  OPTGUARD_ERROR_CODES(OPTGUARD_X)
#undef OPTGUARD_X
}

TEST_CASE("docs: every message type the host answers has a section in docs/protocol.md",
          "[integration][docs]") {
  const std::string doc = protocol_doc();
  optguard::test::TempDir home;
  optguard::test::Process host({OPTGUARD_BIN, "serve"}, {{"OPTGUARD_HOME", home.path()}});
  host.send_frame(R"({"id": 1, "type": "hello"})");
  const auto body = host.read_frame();
  REQUIRE(body.has_value());
  const auto caps = nlohmann::json::parse(*body)["result"]["capabilities"];
  REQUIRE(caps.is_array());
  // A heading line (any level) naming the type in backticks, e.g. "#### `hello`".
  std::vector<std::string> headings;
  std::istringstream lines(doc);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("#")) headings.push_back(line);
  }
  for (const auto& type : caps) {
    const std::string name = "`" + type.get<std::string>() + "`";
    INFO("message " << type << " needs a heading like \"#### " << name << "\"");
    CHECK(std::any_of(headings.begin(), headings.end(),
                      [&](const std::string& h) { return h.find(name) != std::string::npos; }));
  }
  CHECK(host.finish().code == 0);
}

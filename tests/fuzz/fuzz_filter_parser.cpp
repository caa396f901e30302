// libFuzzer target for the filter parser and the engine built from what it accepts.
// The input is a filter list. Every line must parse without throwing, with a skip reason
// exactly when no filter comes out; the engine built from the list must answer a few
// requests, and its image must load back (the compiled-cache validator accepts it).
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "filters/engine.hpp"
#include "filters/parser.hpp"

namespace {
using namespace optguard::filters;

void require(bool ok) {
  if (!ok) std::abort();
}

class Copy final : public ImageBytes {
 public:
  explicit Copy(std::span<const std::byte> b) : data_(b.begin(), b.end()) {}
  std::span<const std::byte> bytes() const override { return data_; }

 private:
  std::vector<std::byte> data_;
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string_view rest = text;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    const ParseResult r = parse_filter_line(rest.substr(0, nl));
    require(r.filter.has_value() == (r.reason == SkipReason::none));
    if (r.filter) require(r.filter->types != 0);
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  const Engine engine = Engine::build({ListSource{"fuzz", Category::custom, std::string(text)}});
  for (const char* url : {"https://ads.example.com/banner/ad.gif?x=1", "http://[::1]:8080/a^b",
                          "data:text/plain,x", "https://xn--bcher-kva.example/%E2%82%AC"}) {
    const Verdict v = engine.match(url, "https://www.news.example.co.uk/", "image");
    require(v.decision == Decision::none || !v.filter.empty());
  }
  const Matcher again = Matcher::from_image(std::make_shared<Copy>(engine.matcher().image()));
  require(again.filter_count() == engine.matcher().filter_count());
  return 0;
}

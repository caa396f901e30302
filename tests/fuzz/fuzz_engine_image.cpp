// libFuzzer target for the compiled-cache loader: arbitrary bytes as an engine image must be
// rejected or, when accepted, answer requests without reading out of bounds.
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "filters/engine.hpp"

namespace {
using namespace optguard::filters;

class Bytes final : public ImageBytes {
 public:
  Bytes(const std::uint8_t* d, std::size_t n) : data_(n) {
    if (n != 0) std::memcpy(data_.data(), d, n);
  }
  std::span<const std::byte> bytes() const override { return data_; }

 private:
  std::vector<std::byte> data_;
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const Engine engine(Matcher::from_image(std::make_shared<Bytes>(data, size)));
    (void)engine.lists();
    (void)engine.matcher().fingerprints();
    for (const char* url : {"https://ads.example.com/banner/ad.gif", "https://t.co/x?y=1"}) {
      (void)engine.match(url, "https://news.example/", "script");
    }
  } catch (const std::runtime_error&) {
    // rejected: fine
  }
  return 0;
}

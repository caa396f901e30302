#pragma once
// Writes JSON text straight into a buffer: every reply and event the host sends. The text
// is byte for byte what nlohmann's compact dump with error_handler_t::replace makes of the
// same value (keys sorted, the same escapes, invalid UTF-8 replaced), but without its
// per-byte output adapter: runs of plain bytes go out in one append. Tests compare the two.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace optguard::protocol {

class JsonWriter {
 public:
  // Appends to `out`. While the writer lives, `out` has spare bytes past what was written
  // (the writer writes through a cursor, not an append per piece); when it is destroyed,
  // `out` holds exactly the text before it plus what was written.
  explicit JsonWriter(std::string& out) : out_(out), start_(out.size()) {
    cur_ = out_.data() + start_;
    end_ = cur_;
  }
  ~JsonWriter() { out_.resize(written_end()); }
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void raw(std::string_view text) {
    char* p = room(text.size());
    copy(p, text.data(), text.size());
    cur_ = p + text.size();
  }
  // A JSON string with nlohmann's escapes (\" \\ \b \f \n \r \t, other controls as
  // \u00xx, everything else as is). Invalid UTF-8 is replaced as nlohmann's dump does.
  void string(std::string_view text);
  void integer(std::int64_t value);
  void integer(std::uint64_t value);
  // A double as nlohmann prints it (its Grisu2 form: "0.5", "1e+20"); null for NaN and
  // infinities.
  void number(double value);
  // Any value: objects in their (sorted) key order, numbers as nlohmann prints them.
  void json(const nlohmann::json& value);

 private:
  // memcpy, with the short copies of the hot path (keys, numbers, short strings) done as
  // two overlapping loads and stores instead of a call.
  static void copy(char* to, const char* from, std::size_t n) {
    if (n > 16) {
      std::memcpy(to, from, n);
    } else if (n >= 8) {
      copy_pair<std::uint64_t>(to, from, n);
    } else if (n >= 4) {
      copy_pair<std::uint32_t>(to, from, n);
    } else {
      for (std::size_t i = 0; i < n; ++i) to[i] = from[i];
    }
  }
  // The first and the last sizeof(Word) bytes of [from, from + n), sizeof(Word) <= n <= 2x.
  template <typename Word>
  static void copy_pair(char* to, const char* from, std::size_t n) {
    Word head = 0;
    Word tail = 0;
    std::memcpy(&head, from, sizeof head);
    std::memcpy(&tail, from + n - sizeof tail, sizeof tail);
    std::memcpy(to, &head, sizeof head);
    std::memcpy(to + n - sizeof tail, &tail, sizeof tail);
  }
  // string() of a text with a byte to escape or one that is not ASCII.
  void escaped_string(std::string_view text);
  void put(char c) {
    char* p = room(1);
    *p = c;
    cur_ = p + 1;
  }
  // Where the next `n` bytes go (room for them made).
  char* room(std::size_t n) {
    if (static_cast<std::size_t>(end_ - cur_) < n) grow(n);
    return cur_;
  }
  void grow(std::size_t n);
  std::size_t written_end() const { return static_cast<std::size_t>(cur_ - out_.data()); }
  // Drops what was written from `at` (an offset in out) on.
  void truncate(std::size_t at) { cur_ = out_.data() + at; }

  std::string& out_;
  std::size_t start_;  // out's size when the writer began
  char* cur_;          // the next byte to write, inside out's current buffer
  char* end_;          // the end of the bytes out holds
};

}  // namespace optguard::protocol

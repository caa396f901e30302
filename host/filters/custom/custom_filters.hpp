#pragma once
// The user's custom filters: <home>/filters/custom.txt, one filter per line, in the same
// syntax as EasyList. Every line handed in is validated with the filter parser; valid
// lines are added even when others fail, and each failure names its line.
// Writes are atomic (write_file_atomically): a crash leaves the old list or the new one.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "filters/filter.hpp"

namespace optguard::filters {

// One rejected input line: its 1-based number in the text handed in, the text, and why.
struct LineError {
  int line = 0;
  std::string text;
  std::string message;
};

// Why a line is not a network filter the engine can use, or "" when it is one
// (comments and blank lines are neither: see is_ignorable_line).
std::string validate_filter_line(std::string_view line);
// Blank lines and comments: not filters, not errors.
bool is_ignorable_line(std::string_view line);

class CustomFilters {
 public:
  explicit CustomFilters(std::filesystem::path file) : file_(std::move(file)) {}

  struct Line {
    int line = 0;  // 1-based line number in custom.txt
    std::string text;
  };
  struct AddResult {
    int added = 0;
    std::vector<LineError> errors;
  };

  const std::filesystem::path& file() const { return file_; }
  // The whole file ("" when there is none yet).
  std::string text() const;
  // The filter lines (blank lines and comments left out), with their line numbers.
  std::vector<Line> lines() const;
  // The parsed filters, for matching and for DNR dynamic rules.
  std::vector<NetworkFilter> filters() const;
  // Validates each line of `text`; adds the valid ones not already present.
  AddResult add(std::string_view text);
  // Removes every line equal (after trimming) to one of `filters`; returns how many.
  int remove(const std::vector<std::string>& filters);

 private:
  std::filesystem::path file_;
};

}  // namespace optguard::filters

#pragma once
// A new text for a filter list handed in by the extension (the host never fetches):
// validated, then written atomically to <home>/lists/<name>.txt, where the engine's
// catalogue picks it up instead of the packaged copy.

#include <filesystem>
#include <string>
#include <string_view>

namespace optguard::filters {

struct ListUpdate {
  std::string list;
  int loaded = 0;          // network filters the parser accepted
  int skipped = 0;         // every other non-blank line (comments, cosmetic, unsupported, ...)
  std::string updated_at;  // ISO 8601 UTC
  std::filesystem::path file;
};

// True for list names the host accepts updates for ("easylist", "easyprivacy").
bool is_updatable_list(std::string_view name);

// Validates `text` and writes it. Throws Error(bad_params) for an unknown list or a text
// without a single valid network filter (nothing is written then), Error(io_error) when
// the file cannot be written.
ListUpdate update_list(const std::filesystem::path& home, std::string_view name,
                       std::string_view text);

}  // namespace optguard::filters

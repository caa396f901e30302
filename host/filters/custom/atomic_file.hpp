#pragma once
// Writing a file so that readers see the old text or the new one, never a mix: the new
// text goes to a temporary file beside it (owner-only), is flushed to disk, and renamed
// over the old one; the folder is then flushed so the rename survives a crash.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace optguard::filters {

// Writes `text` to `path` atomically with `mode` (owner-only by default), creating the
// parent folder (0700). Throws Error(io_error) naming the path on failure; the old file is
// then untouched.
void write_file_atomically(const std::filesystem::path& path, std::string_view text,
                           unsigned mode = 0600);

// The whole file, or nullopt when it does not exist. Throws Error(io_error) otherwise.
std::optional<std::string> read_file_if_exists(const std::filesystem::path& path);

}  // namespace optguard::filters

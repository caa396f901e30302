#pragma once
// Noticing that another process changed a file: two browsers run two host processes on one
// home, and each must see the lists, custom filters and learned trackers the other writes.
// A stamp is what one stat() says (device, inode, size, mtime): writers here replace files
// atomically (temp file + rename), which always changes the inode, and an edit in place
// changes the size or the mtime. No watcher thread: a FileWatch is checked when its reader is
// about to use what it read.
//
// Example: FileWatch watch({home / "filters" / "custom.txt"});
//          watch.take(); load(); ... if (watch.changed()) reload();

#include <cstdint>
#include <filesystem>
#include <vector>

namespace optguard {

struct FileStamp {
  bool exists = false;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};

// One stat() of `path` (following symlinks); a missing or unreadable file has exists false.
FileStamp stamp_of(const std::filesystem::path& path);

// The stamps of a fixed set of files, missing ones included (their appearance is a change).
class FileWatch {
 public:
  FileWatch() = default;
  explicit FileWatch(std::vector<std::filesystem::path> paths) : paths_(std::move(paths)) {}

  // Records the files as they are now: call before reading them, so that a change made while
  // they are read shows as a change on the next check.
  void take();
  // Whether any file differs from when take() last ran (one stat per file).
  [[nodiscard]] bool changed() const;

 private:
  std::vector<std::filesystem::path> paths_;
  std::vector<FileStamp> stamps_;
};

}  // namespace optguard

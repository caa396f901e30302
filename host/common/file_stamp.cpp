#include "common/file_stamp.hpp"

#include <sys/stat.h>

namespace optguard {

FileStamp stamp_of(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  FileStamp s;
  s.exists = true;
  s.device = static_cast<std::uint64_t>(st.st_dev);
  s.inode = static_cast<std::uint64_t>(st.st_ino);
  s.size = static_cast<std::uint64_t>(st.st_size);
  s.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
               static_cast<std::int64_t>(st.st_mtim.tv_nsec);
  return s;
}

void FileWatch::take() {
  stamps_.clear();
  stamps_.reserve(paths_.size());
  for (const auto& p : paths_) stamps_.push_back(stamp_of(p));
}

bool FileWatch::changed() const {
  if (stamps_.size() != paths_.size()) return true;  // never taken
  for (std::size_t i = 0; i < paths_.size(); ++i) {
    if (stamp_of(paths_[i]) != stamps_[i]) return true;
  }
  return false;
}

}  // namespace optguard

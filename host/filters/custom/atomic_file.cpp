#include "filters/custom/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "common/errors.hpp"
#include "common/unique_fd.hpp"

namespace optguard::filters {

namespace {

// Closes a descriptor on every path out (RAII).

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
  throw Error(ErrorCode::io_error, what + " " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view text,
                           unsigned mode) {
  const auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) throw Error(ErrorCode::io_error, "cannot create " + dir.string() + ": " + ec.message());
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  }
  std::random_device rd;
  const auto tmp = dir / ("." + path.filename().string() + ".tmp-" + std::to_string(::getpid()) +
                          "-" + std::to_string(rd()));
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() >= 0 && mode != 0600) ::fchmod(fd.get(), static_cast<mode_t>(mode));
  if (fd.get() < 0) fail("cannot create", tmp);
  struct Cleanup {  // removes the temporary file unless the rename happened
    const std::filesystem::path& p;
    bool armed = true;
    ~Cleanup() {
      if (armed) ::unlink(p.c_str());
    }
  } cleanup{tmp};
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write", tmp);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) fail("cannot flush", tmp);
  if (::close(fd.release()) != 0) fail("cannot close", tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("cannot replace", path);
  cleanup.armed = false;
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() >= 0) ::fsync(dfd.get());  // best effort: some filesystems refuse
}

std::optional<std::string> read_file_if_exists(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::nullopt;
    throw Error(ErrorCode::io_error, "cannot read " + path.string());
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error(ErrorCode::io_error, "cannot read " + path.string());
  return ss.str();
}

}  // namespace optguard::filters

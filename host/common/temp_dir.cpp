#include "common/temp_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/errors.hpp"

namespace optguard {

namespace fs = std::filesystem;

TempDir::TempDir(std::string_view prefix) {
  std::string tmpl = (fs::temp_directory_path() / (std::string(prefix) + "XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw Error(ErrorCode::io_error,
                "cannot make a temp directory " + tmpl + ": " + std::strerror(errno));
  }
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;  // best effort: a destructor must not throw
  fs::remove_all(path_, ec);
}

}  // namespace optguard

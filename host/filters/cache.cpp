#include "filters/cache.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <system_error>

#include "common/errors.hpp"
#include "common/unique_fd.hpp"

namespace optguard::filters {

namespace fs = std::filesystem;

namespace {

// A read-only private mapping of a whole file.
class MappedFile : public ImageBytes {
 public:
  MappedFile(void* data, std::size_t size) : data_(data), size_(size) {}
  ~MappedFile() override {
    if (data_ != nullptr) ::munmap(data_, size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::span<const std::byte> bytes() const override {
    return {static_cast<const std::byte*>(data_), size_};
  }

 private:
  void* data_;
  std::size_t size_;
};

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

fs::path cache_path(const fs::path& home) {
  return home / "cache" / "engine.bin";
}

std::optional<Engine> read_cache_file(const fs::path& path, std::string* why) {
  const auto fail = [&](std::string reason) -> std::optional<Engine> {
    if (why != nullptr) *why = std::move(reason);
    return std::nullopt;
  };
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return fail("no cache file");
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0)
    return fail("cache file unreadable");
  const auto size = static_cast<std::size_t>(st.st_size);
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (data == MAP_FAILED) return fail("cache file cannot be mapped");
  auto mapped = std::make_shared<MappedFile>(data, size);
  try {
    return Engine(Matcher::from_image(std::move(mapped)));
  } catch (const std::exception& e) {
    return fail(std::string("cache rejected: ") + e.what());
  }
}

void write_cache_file(const fs::path& path, const Engine& engine) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  fs::permissions(path.parent_path(), fs::perms::owner_all, fs::perm_options::replace, ec);
  const fs::path tmp = path.string() + ".tmp." + std::to_string(::getpid());
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0) throw Error(ErrorCode::io_error, "cannot write " + tmp.string());
    const auto bytes = engine.matcher().image();
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        ::unlink(tmp.c_str());
        throw Error(errno == ENOSPC ? ErrorCode::disk_full : ErrorCode::io_error,
                    "cannot write " + tmp.string());
      }
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) {
      ::unlink(tmp.c_str());
      throw Error(ErrorCode::io_error, "cannot write " + tmp.string());
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw Error(ErrorCode::io_error, "cannot replace " + path.string());
  }
}

bool cache_is_fresh(const Engine& cached, const std::vector<CatalogueEntry>& entries) {
  const std::vector<SourceFingerprint> stored = cached.matcher().fingerprints();
  const std::vector<SourceFingerprint> now = stat_catalogue(entries);
  if (stored.size() != now.size()) return false;
  for (std::size_t i = 0; i < now.size(); ++i) {
    const SourceFingerprint& a = stored[i];
    const SourceFingerprint& b = now[i];
    if (a.name != b.name || a.size != b.size) return false;
    if (b.hash != 0) {  // built-in text: hashed for free
      if (a.hash != b.hash) return false;
      continue;
    }
    if (a.mtime_ns == b.mtime_ns) continue;
    // Touched but maybe unchanged: compare the content hash.
    const CatalogueEntry* entry = nullptr;
    for (const CatalogueEntry& e : entries) {
      if (e.present && e.name == b.name) entry = &e;
    }
    if (entry == nullptr) return false;
    try {
      const LoadedCatalogue one = read_catalogue({*entry});
      if (one.fingerprints.empty() || one.fingerprints[0].hash != a.hash) return false;
    } catch (const Error&) {
      return false;
    }
  }
  return true;
}

CacheResult rebuild(const fs::path& home, const CatalogueOptions& options) {
  CacheResult r;
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<CatalogueEntry> entries = default_catalogue(home, options);
  LoadedCatalogue loaded = read_catalogue(entries);
  r.engine = Engine::build(loaded.sources, loaded.fingerprints);
  r.build_ms = ms_since(t0);
  try {
    write_cache_file(cache_path(home), r.engine);
  } catch (const Error& e) {
    r.rebuild_reason = std::string("cache not written: ") + e.what();
  }
  return r;
}

CacheResult load_or_build(const fs::path& home, const CatalogueOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  std::string why;
  if (std::optional<Engine> cached = read_cache_file(cache_path(home), &why)) {
    if (cache_is_fresh(*cached, default_catalogue(home, options))) {
      CacheResult r;
      r.engine = std::move(*cached);
      r.from_cache = true;
      r.load_ms = ms_since(t0);
      return r;
    }
    why = "a list changed";
  }
  CacheResult r = rebuild(home, options);
  r.rebuild_reason = r.rebuild_reason.empty() ? why : why + "; " + r.rebuild_reason;
  return r;
}

}  // namespace optguard::filters

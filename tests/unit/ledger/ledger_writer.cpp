// A small writer process for the crash and concurrency tests:
//   ledger_writer HOME loop ID        append batches forever, print each committed last seq
//   ledger_writer HOME count ID N     append N records in batches of 1..5, then exit 0
// Each line "<seq>" is printed (and flushed) only after the commit returned.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/errors.hpp"
#include "ledger/ledger.hpp"

int main(int argc, char** argv) {
  using namespace optguard::ledger;
  if (argc < 4) return 2;
  const std::string mode = argv[2];
  const std::string id = argv[3];
  const long total = argc > 4 ? std::strtol(argv[4], nullptr, 10) : -1;
  try {
    LedgerOptions o;
    o.kdf = minimal_kdf_limits();
    o.passphrase = [] { return std::optional<WipedString>(); };
    Ledger ledger(argv[1], o);
    long written = 0;
    for (long i = 0; mode == "loop" || written < total; ++i) {
      std::vector<NewRecord> batch;
      const long n = mode == "loop" ? 1 + i % 5 : std::min<long>(1 + i % 5, total - written);
      for (long j = 0; j < n; ++j) {
        const std::string site = "writer" + id + ".example";
        batch.push_back({site,
                         {{"type", "signals"},
                          {"site", site},
                          {"day", "2026-11-29"},
                          {"gpc", written + j},
                          {"dnt", 0}}});
      }
      const std::int64_t first = ledger.append(batch);
      written += n;
      std::printf("%lld\n", static_cast<long long>(first + n - 1));
      std::fflush(stdout);
    }
    return 0;
  } catch (const optguard::Error& e) {
    std::fprintf(stderr, "ledger_writer: %s\n", e.what());
    return 1;
  }
}

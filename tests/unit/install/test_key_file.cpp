#include <catch2/catch.hpp>

#include "app/doctor.hpp"
#include "app/doctor_browsers.hpp"
#include "fake_home.hpp"

using namespace optguard;
using optguard::test::FakeHome;
namespace fs = std::filesystem;

TEST_CASE("doctor: the key file must be owner-only", "[install][doctor][key]") {
  FakeHome fh;
  const auto home = fh.base() / "og";
  fs::create_directories(home);
  fs::permissions(home, fs::perms(0700));
  app::Services services(HomeLocation{home, "test"});
  auto f = app::check_key_file(services);
  REQUIRE(f.size() == 1);
  CHECK(f[0].status == app::Status::info);

  const auto key = home / "ledger.key";
  std::ofstream(key) << "k";
  fs::permissions(key, fs::perms(0600));
  f = app::check_key_file(services);
  REQUIRE(f.size() == 1);
  CHECK(f[0].status == app::Status::ok);

  fs::permissions(key, fs::perms(0640));
  f = app::check_key_file(services);
  REQUIRE(f.size() == 1);
  CHECK(f[0].status == app::Status::fail);
  CHECK(f[0].detail.find("mode 0640") != std::string::npos);
  CHECK(f[0].fix == "chmod 600 '" + key.string() + "'");
  CHECK(app::any_failed(f));
}

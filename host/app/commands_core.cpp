// version, serve, doctor.
#include <libpsl.h>
#include <sodium.h>
#include <sqlite3.h>

#include <iostream>
#include <memory>

#include "app/commands.hpp"
#include "app/doctor.hpp"
#include "app/serve.hpp"
#include "cli/cli.hpp"
#include "optguard/version.hpp"

namespace optguard::app {

void register_core_commands(CLI::App& app, Services& services) {
  auto json = std::make_shared<bool>(false);
  cli::add_command(app, "version", "Print the host version, protocol version and libraries",
                   [json] {
                     if (*json) {
                       std::cout << nlohmann::json{{"version", kHostVersion},
                                                   {"protocol", protocol::kProtocolVersion},
                                                   {"sqlite", sqlite3_libversion()},
                                                   {"libsodium", sodium_version_string()},
                                                   {"libpsl", psl_get_version()}}
                                        .dump()
                                 << '\n';
                     } else {
                       std::cout << "optguard " << kHostVersion << " (protocol "
                                 << protocol::kProtocolVersion << ")\n";
                     }
                     return 0;
                   })
      ->add_flag("--json", *json, "Print as JSON");

  auto max_frame = std::make_shared<std::size_t>(protocol::Limits{}.max_request_bytes);
  auto* serve_cmd = cli::add_command(
      app, "serve", "Speak the native-messaging protocol on stdin/stdout (for tests and debugging)",
      [&services, max_frame] {
        protocol::Limits limits;
        limits.max_request_bytes = *max_frame;
        return serve(services, protocol::Caller{"cli", "", ""}, limits);
      });
  serve_cmd->add_option("--max-frame", *max_frame, "Largest request accepted, in bytes")
      ->check(CLI::Range(std::size_t{2}, std::size_t{256} * 1024 * 1024));

  auto doctor_json = std::make_shared<bool>(false);
  cli::add_command(app, "doctor", "Check the installation and say how to fix what is broken",
                   [&services, doctor_json] {
                     const auto findings = run_doctor(services);
                     if (*doctor_json)
                       std::cout << to_json(findings).dump(2) << '\n';
                     else
                       std::cout << to_text(findings);
                     return any_failed(findings) ? 1 : 0;
                   })
      ->add_flag("--json", *doctor_json, "Print as JSON");
}

}  // namespace optguard::app

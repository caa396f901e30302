// optguard: the native-messaging host when a browser starts it, the CLI otherwise.
#include <exception>
#include <iostream>
#include <span>

#include "app/commands.hpp"
#include "app/launch.hpp"
#include "app/serve.hpp"
#include "cli/cli.hpp"
#include "common/errors.hpp"
#include "common/log.hpp"
#include "common/process.hpp"

int main(int argc, char** argv) {
  using namespace optguard;
  init_process();
  try {
    app::Services services(locate_home());
    if (const auto caller =
            app::browser_launch(std::span<char* const>(argv, static_cast<std::size_t>(argc)))) {
      return app::serve(services, *caller, protocol::Limits{});
    }
    CLI::App cli{"optguard: makes the web respect your \"don't track me\" choices, and proves it"};
    cli.name("optguard");
    cli.require_subcommand(1);
    app::register_commands(cli, services);
    return cli::run(cli, argc, argv);
  } catch (const Error& e) {
    std::cerr << "optguard: " << e.what() << '\n';
    return 1;
  } catch (const std::exception& e) {
    log::error(std::string("unexpected failure: ") + e.what());
    return 70;
  }
}

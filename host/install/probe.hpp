#pragma once
// Starting a host the way a browser does (its argv form, in its own folder, over pipes) and
// asking it `hello`, with a time limit: doctor's proof that the browser can start it.

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace optguard::install {

struct ProbeResult {
  bool started = false;   // exec succeeded
  bool answered = false;  // a well-formed `ok` reply to hello arrived in time
  bool timed_out = false;
  int exit_code = -1;       // when it exited by itself: its status (or 128+signal)
  std::string error;        // why it failed, in words
  std::string stderr_text;  // what the host logged (first 4 KiB)
  nlohmann::json reply;
  double millis = 0;  // start to reply
};

// Runs `host` with `args` (argv[1..]) and the working directory set to the host's folder,
// sends {"id":1,"type":"hello"} framed as a browser does, and waits up to `timeout`.
ProbeResult probe_host(const std::filesystem::path& host, const std::vector<std::string>& args,
                       std::chrono::milliseconds timeout);

// The argv a browser of that family passes (launch.hpp in the host recognises them).
std::vector<std::string> chromium_args(const std::string& origin);
std::vector<std::string> firefox_args(const std::filesystem::path& manifest,
                                      const std::string& addon_id);

}  // namespace optguard::install

#pragma once
// One native-messaging session: read a frame, route it, write exactly one reply,
// until the browser closes the port.

#include "protocol/io.hpp"
#include "protocol/limits.hpp"
#include "protocol/router.hpp"

namespace optguard::protocol {

// Process exit codes of a session, documented in docs/protocol.md.
enum SessionExit : int {
  kExitClean = 0,        // the browser closed the port between frames
  kExitTruncated = 1,    // EOF inside a length prefix or a body
  kExitUntrusted = 3,    // a length too large to skip: the stream cannot be trusted
  kExitWriteFailed = 4,  // the reply could not be written (the browser is gone)
};

class Session final : public EventSink {
 public:
  Session(const Router& router, Caller caller, Limits limits, ByteReader& in, ByteWriter& out)
      : router_(router), caller_(std::move(caller)), limits_(limits), in_(in), out_(out) {}

  // Serves until the stream ends; returns one of SessionExit.
  int run();
  // Handles one frame body and returns the serialized reply (never over the cap).
  std::string reply_to(std::string_view body);
  void emit(const Json& event) override;

 private:
  void send(const Json& message);

  const Router& router_;
  Caller caller_;
  Limits limits_;
  ByteReader& in_;
  ByteWriter& out_;
  bool out_broken_ = false;
};

}  // namespace optguard::protocol

#pragma once
// One native-messaging session: read frames, route each, write exactly one reply per
// request, until the browser closes the port.
//
// I/O is batched: one read() takes every byte the pipe holds, every complete frame in
// it is answered, and the replies of that batch leave in ONE write() before the host
// blocks on the next read. A lone request (the usual case) still gets its reply at once.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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
  Session(const Router& router, Caller caller, Limits limits, ByteReader& in, ByteWriter& out);
  ~Session() override;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Serves until the stream ends; returns one of SessionExit.
  int run();
  // Handles one frame body and returns the serialized reply (never over the cap): the
  // same path run() takes for each frame.
  std::string reply_to(std::string_view body);
  const MessageParser& parser() const { return parser_; }
  void emit(const Json& event) override;

 private:
  // Appends the reply text of one request to `out`. `body` must be followed by
  // kParsePadding readable bytes.
  void answer(std::string_view body, std::string& out);
  // Replaces the reply that starts at out[start] with reply_too_large when it is over
  // the cap.
  void cap_reply(std::string& out, std::size_t start, const Value& id) const;
  // Appends the reply frame of one request to the pending output.
  void queue_reply(std::string_view padded_body);
  // A frame written in place: begin_frame() reserves its length prefix and returns where
  // it starts; end_frame() fills in the length of what was appended since, and returns it.
  std::size_t begin_frame();
  std::size_t end_frame(std::size_t at);
  // Appends one frame (prefix and body) to `to`.
  static void append_frame(std::string& to, std::string_view body);
  // Writes the pending output; false (and logged) when the browser has gone.
  bool flush();
  void send(const Json& message);

  const Router& router_;
  Caller caller_;
  Limits limits_;
  ByteReader& in_;
  ByteWriter& out_;
  bool out_broken_ = false;
  bool batching_ = false;  // inside run(): events wait for the batch's write
  std::string pending_;    // replies (and events) not yet written, whole frames
  // While a reply is being written into pending_ (its length prefix already reserved), an
  // event its handler emits waits here and follows the reply: it must not land inside it.
  bool replying_ = false;
  std::string held_events_;
  MessageParser parser_;
  std::string scratch_;  // a padded copy of a body handed to reply_to()
};

}  // namespace optguard::protocol

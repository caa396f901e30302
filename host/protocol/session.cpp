#include "protocol/session.hpp"

#include <exception>

#include "common/log.hpp"
#include "protocol/framing.hpp"

namespace optguard::protocol {
namespace {
// The id of a request we could not route, when it can still be read.
Json salvage_id(const Json& message) {
  const auto it = message.find("id");
  if (it != message.end() && (it->is_string() || it->is_number())) return *it;
  return nullptr;
}
}  // namespace

std::string Session::reply_to(std::string_view body) {
  Json reply;
  Json id = nullptr;
  try {
    const Json request = parse_message(body, limits_);
    id = salvage_id(request);
    RequestContext ctx{caller_, this};
    reply = router_.dispatch(request, ctx);
  } catch (const Error& e) {
    reply = make_error(id, e.code(), e.what());
  }
  std::string text = serialize(reply);
  if (text.size() > limits_.max_reply_bytes) {
    log::warn("a reply of " + std::to_string(text.size()) + " bytes was not sent (cap " +
              std::to_string(limits_.max_reply_bytes) + ")");
    text = serialize(make_error(reply.value("id", Json(nullptr)), ErrorCode::reply_too_large,
                                "the reply would be " + std::to_string(text.size()) +
                                    " bytes; the browser accepts at most " +
                                    std::to_string(limits_.max_reply_bytes) +
                                    ": ask for a smaller page"));
  }
  return text;
}

void Session::send(const Json& message) {
  std::string text = serialize(message);
  if (text.size() > limits_.max_reply_bytes) {
    log::error("dropped an event of " + std::to_string(text.size()) +
               " bytes (over the reply cap)");
    return;
  }
  if (out_broken_) return;
  try {
    write_frame(out_, text);
  } catch (const std::exception& e) {
    out_broken_ = true;
    log::warn(std::string("cannot write to the browser: ") + e.what());
  }
}

void Session::emit(const Json& event) {
  send(event);
}

int Session::run() {
  log::info("session started for " + (caller_.origin.empty() ? caller_.browser : caller_.origin));
  for (;;) {
    ReadResult frame;
    try {
      frame = read_frame(in_, limits_);
    } catch (const std::exception& e) {
      log::error(std::string("cannot read from the browser: ") + e.what());
      return kExitTruncated;
    }
    switch (frame.status) {
      case ReadStatus::end_of_stream:
        log::info("the browser closed the port; session ends");
        return kExitClean;
      case ReadStatus::truncated:
        log::error("the stream ended inside a frame (" + std::to_string(frame.bytes_received) +
                   " bytes of the body or prefix arrived, length said " +
                   std::to_string(frame.declared_length) + ")");
        return kExitTruncated;
      case ReadStatus::oversized_fatal:
        log::error("a frame claims " + std::to_string(frame.declared_length) +
                   " bytes, too many to skip safely; closing the session");
        return kExitUntrusted;
      case ReadStatus::oversized_skipped:
        log::warn("skipped a frame of " + std::to_string(frame.declared_length) + " bytes (cap " +
                  std::to_string(limits_.max_request_bytes) + ")");
        send(make_error(nullptr, ErrorCode::frame_too_large,
                        "the message is " + std::to_string(frame.declared_length) +
                            " bytes; the host accepts at most " +
                            std::to_string(limits_.max_request_bytes)));
        break;
      case ReadStatus::frame: {
        const std::string reply = reply_to(frame.body);
        if (log::enabled(log::Level::debug)) {
          log::debug("request of " + std::to_string(frame.body.size()) + " bytes, reply of " +
                     std::to_string(reply.size()) + " bytes");
        }
        try {
          write_frame(out_, reply);
        } catch (const std::exception& e) {
          log::warn(std::string("cannot write a reply, the browser has gone: ") + e.what());
          return kExitWriteFailed;
        }
        break;
      }
    }
    if (out_broken_) return kExitWriteFailed;
  }
}

}  // namespace optguard::protocol

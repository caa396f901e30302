#include "protocol/session.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <exception>
#include <stdexcept>

#include "common/log.hpp"

namespace optguard::protocol {
namespace {
// Each read asks for at least this much (a pipe holds 64 KiB).
constexpr std::size_t kReadChunk = std::size_t{64} * 1024;
// Zeroed bytes kept readable past the data (the parser reads a little beyond a body).
constexpr std::size_t kTailRoom = kParsePadding;
// Pending output past this is written even mid-batch. Below a pipe's 64 KiB: the replies to
// one read of small requests outgrow the pipe, and a write of them all would wait, the host
// idle, until the browser had read the first 64 KiB; written in parts, the browser reads
// the first while the host answers the rest.
constexpr std::size_t kFlushAt = std::size_t{16} * 1024;
// An output buffer grown past this (one huge reply) is given back after its write.
constexpr std::size_t kKeepCapacity = std::size_t{4} * 1024 * 1024;

// Frees a result tree bottom-up. nlohmann's destructor first moves the children of every array
// and object into a heap-allocated stack (to survive any depth); ours is bounded by
// Limits::max_depth, so plain recursion does, without that allocation per container.
void release(Json& value) {
  if (value.is_object()) {
    auto& members = value.get_ref<Json::object_t&>();
    for (auto& [key, member] : members) {
      if (member.is_structured()) release(member);
    }
    members.clear();
  } else if (value.is_array()) {
    auto& items = value.get_ref<Json::array_t&>();
    for (auto& item : items) {
      if (item.is_structured()) release(item);
    }
    items.clear();
  }
}

std::uint32_t length_at(const char* p) {
  std::uint32_t length = 0;
  std::memcpy(&length, p, sizeof length);  // native byte order, as the browsers send
  return length;
}
}  // namespace

Session::Session(const Router& router, Caller caller, Limits limits, ByteReader& in,
                 ByteWriter& out)
    : router_(router),
      caller_(std::move(caller)),
      limits_(limits),
      in_(in),
      out_(out),
      parser_(limits_) {}

Session::~Session() = default;

void Session::answer(std::string_view body, std::string& out) {
  // The one path of every request: parse once, route, write the reply text. The reply
  // may view the request (its id, echoed values): both live until the text is written.
  const std::size_t start = out.size();
  try {
    const Request request = parser_.parse_request(body);  // made in place, not moved
    RequestContext ctx{caller_, this};
    // The handler's result is written where it was made; a failure (the handler's, or the
    // writer's) drops what was written and becomes the error reply.
    const Router::Outcome outcome = router_.route(
        request, ctx,
        [](void* context, const Value& id, Result& result) {
          std::string& text = *static_cast<std::string*>(context);
          write_ok(text, id, result);
          release(result.tree());
        },
        &out);  // never throws an Error
    if (!outcome.ok) {
      out.resize(start);
      write_error(out, outcome.id, outcome.code, outcome.message);
    }
    if (out.size() - start > limits_.max_reply_bytes) cap_reply(out, start, outcome.id);
  } catch (const Error& e) {
    // The body could not be parsed: the error is the whole reply.
    out.resize(start);
    write_error(out, Value(), e.code(), e.what());
    cap_reply(out, start, Value());
  }
}

void Session::cap_reply(std::string& out, std::size_t start, const Value& id) const {
  const std::size_t size = out.size() - start;
  if (size <= limits_.max_reply_bytes) return;
  log::warn("a reply of " + std::to_string(size) + " bytes was not sent (cap " +
            std::to_string(limits_.max_reply_bytes) + ")");
  out.resize(start);
  write_error(out, id, ErrorCode::reply_too_large,
              "the reply would be " + std::to_string(size) +
                  " bytes; the browser accepts at most " + std::to_string(limits_.max_reply_bytes) +
                  ": ask for a smaller page");
}

std::string Session::reply_to(std::string_view body) {
  scratch_.assign(body);
  scratch_.resize(body.size() + kTailRoom);
  std::string text;
  answer(std::string_view(scratch_.data(), body.size()), text);
  return text;
}

std::size_t Session::begin_frame() {
  const std::size_t at = pending_.size();
  pending_.resize(at + sizeof(std::uint32_t));
  return at;
}

std::size_t Session::end_frame(std::size_t at) {
  const std::size_t size = pending_.size() - at - sizeof(std::uint32_t);
  const auto length = static_cast<std::uint32_t>(size);
  std::memcpy(pending_.data() + at, &length, sizeof length);
  return size;
}

void Session::queue_reply(std::string_view padded_body) {
  const std::size_t at = begin_frame();
  replying_ = true;
  try {
    answer(padded_body, pending_);
  } catch (...) {
    replying_ = false;
    throw;
  }
  replying_ = false;
  const std::size_t size = end_frame(at);
  if (!held_events_.empty()) {
    pending_.append(held_events_);
    held_events_.clear();
  }
  if (log::enabled(log::Level::debug)) {
    log::debug("request of " + std::to_string(padded_body.size()) + " bytes, reply of " +
               std::to_string(size) + " bytes");
  }
}

void Session::append_frame(std::string& to, std::string_view body) {
  if (body.size() > UINT32_MAX) throw std::length_error("frame body over 4 GiB");
  const auto length = static_cast<std::uint32_t>(body.size());
  const std::size_t at = to.size();
  to.resize(at + sizeof length);
  std::memcpy(to.data() + at, &length, sizeof length);
  to.append(body);
}

bool Session::flush() {
  if (pending_.empty()) return !out_broken_;
  if (out_broken_) {
    pending_.clear();
    return false;
  }
  try {
    out_.write_all(pending_);
  } catch (const std::exception& e) {
    out_broken_ = true;
    log::warn(std::string("cannot write to the browser, it has gone: ") + e.what());
  }
  // Keep the capacity for the next batch unless one huge batch inflated it.
  if (pending_.capacity() > kKeepCapacity) pending_ = std::string();
  pending_.clear();
  return !out_broken_;
}

void Session::send(const Json& message) {
  const std::string text = serialize(message);
  if (text.size() > limits_.max_reply_bytes) {
    log::error("dropped an event of " + std::to_string(text.size()) +
               " bytes (over the reply cap)");
    return;
  }
  if (out_broken_) return;
  if (replying_) {
    append_frame(held_events_, text);
    return;
  }
  append_frame(pending_, text);
  if (!batching_) flush();
}

void Session::emit(const Json& event) {
  send(event);
}

int Session::run() {
  log::info("session started for " + (caller_.origin.empty() ? caller_.browser : caller_.origin));
  batching_ = true;
  // buf[pos, end) holds received bytes not yet consumed; the buffer grows with the
  // data of a large frame (never to a length a prefix merely claims).
  std::vector<char> buf(2 * kReadChunk + kTailRoom);
  std::size_t pos = 0;
  std::size_t end = 0;
  std::size_t skip_left = 0;      // body bytes of an over-cap frame still to discard
  std::uint32_t skip_length = 0;  // what that frame's prefix claimed

  for (;;) {
    // Answer every complete frame already received.
    for (;;) {
      if (skip_left > 0) {
        const std::size_t n = std::min(skip_left, end - pos);
        pos += n;
        skip_left -= n;
        if (skip_left > 0) break;
        log::warn("skipped a frame of " + std::to_string(skip_length) + " bytes (cap " +
                  std::to_string(limits_.max_request_bytes) + ")");
        const std::size_t at = begin_frame();
        write_error(pending_, Value(), ErrorCode::frame_too_large,
                    "the message is " + std::to_string(skip_length) +
                        " bytes; the host accepts at most " +
                        std::to_string(limits_.max_request_bytes));
        end_frame(at);
        continue;
      }
      if (end - pos < 4) break;
      const std::uint32_t length = length_at(buf.data() + pos);
      if (length > limits_.max_request_bytes) {
        if (length > limits_.max_skip_bytes) {
          log::error("a frame claims " + std::to_string(length) +
                     " bytes, too many to skip safely; closing the session");
          return flush() ? kExitUntrusted : kExitWriteFailed;
        }
        pos += 4;
        skip_left = length;
        skip_length = length;
        continue;
      }
      if (end - pos - 4 < length) break;
      const std::string_view body(buf.data() + pos + 4, length);
      pos += 4 + std::size_t{length};
      queue_reply(body);  // the buffer keeps kTailRoom bytes past any body
      if (pending_.size() >= kFlushAt && !flush()) return kExitWriteFailed;
    }
    // Nothing complete is left: the batch's replies go out in one write before we block.
    if (!flush()) return kExitWriteFailed;

    // Make room for the next read: drop consumed bytes, grow for a large frame.
    if (pos == end) {
      pos = end = 0;
      // A buffer grown for one large frame is given back once that frame is answered.
      if (buf.size() > 8 * kReadChunk) buf = std::vector<char>(2 * kReadChunk + kTailRoom);
    } else if (pos > 0) {
      std::memmove(buf.data(), buf.data() + pos, end - pos);
      end -= pos;
      pos = 0;
    }
    if (buf.size() - kTailRoom - end < kReadChunk) {
      buf.resize(std::max(buf.size() * 2, end + kReadChunk + kTailRoom));
    }
    std::size_t n = 0;
    try {
      n = in_.read_some(std::span<char>(buf.data() + end, buf.size() - kTailRoom - end));
    } catch (const std::exception& e) {
      log::error(std::string("cannot read from the browser: ") + e.what());
      return kExitTruncated;
    }
    if (n == 0) {
      if (skip_left == 0 && pos == end) {
        log::info("the browser closed the port; session ends");
        return kExitClean;
      }
      const std::size_t have = end - pos;
      const std::uint32_t declared =
          skip_left > 0 ? skip_length : (have >= 4 ? length_at(buf.data() + pos) : 0);
      const std::size_t received =
          skip_left > 0 ? skip_length - skip_left : (have >= 4 ? have - 4 : have);
      log::error("the stream ended inside a frame (" + std::to_string(received) +
                 " bytes of the body or prefix arrived, length said " + std::to_string(declared) +
                 ")");
      return kExitTruncated;
    }
    end += n;
  }
}

}  // namespace optguard::protocol

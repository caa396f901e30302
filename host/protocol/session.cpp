#include "protocol/session.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <exception>
#include <stdexcept>

#include "common/log.hpp"

namespace optguard::protocol {
namespace {
// Each read asks for at least this much (a pipe holds 64 KiB).
constexpr std::size_t kReadChunk = 64 * 1024;
// Zeroed bytes kept readable past the data (parsers may read a little beyond a body).
constexpr std::size_t kTailRoom = 64;
static_assert(kTailRoom >= simdjson::SIMDJSON_PADDING);
// Pending output past this is written even mid-batch (bounded memory).
constexpr std::size_t kFlushAt = 1024 * 1024;

// The id of a request we could not route, when it can still be read.
Json salvage_id(const Json& message) {
  const auto it = message.find("id");
  if (it != message.end() && (it->is_string() || it->is_number())) return *it;
  return nullptr;
}

std::uint32_t length_at(const char* p) {
  std::uint32_t length = 0;
  std::memcpy(&length, p, sizeof length);  // native byte order, as the browsers send
  return length;
}
}  // namespace

struct Session::FastPath {
  simdjson::dom::parser parser;
  bool usable = false;
  std::string scratch;  // a padded copy of a body handed to reply_to()
};

Session::Session(const Router& router, Caller caller, Limits limits, ByteReader& in,
                 ByteWriter& out)
    : router_(router),
      caller_(std::move(caller)),
      limits_(limits),
      in_(in),
      out_(out),
      fast_(std::make_unique<FastPath>()) {
  // The depth limit itself is checked with the reference path's nesting_depth() (simdjson
  // counts depth its own way); simdjson's bound only keeps its stack small.
  const auto depth = static_cast<std::size_t>(std::max(limits_.max_depth, 0)) + 2;
  fast_->usable = fast_->parser.allocate(4096, depth) == simdjson::SUCCESS;
}

Session::~Session() = default;

bool Session::try_fast(std::string_view body, std::string& out) {
  // A request over the reply cap goes the reference way: the parser's buffers stay small
  // (and ping's reply would be over the cap anyway).
  if (!fast_->usable || body.empty() || body.size() > limits_.max_reply_bytes) return false;
  if (nesting_depth(body, limits_.max_depth) > limits_.max_depth) return false;
  simdjson::dom::element root;
  if (fast_->parser.parse(body.data(), body.size(), false).get(root) != simdjson::SUCCESS)
    return false;
  simdjson::dom::object request;
  if (root.get_object().get(request) != simdjson::SUCCESS) return false;

  // The envelope: a repeated key (nlohmann keeps the last) or anything odd goes the
  // reference way.
  constexpr std::size_t kMaxKeys = 32;
  std::array<std::string_view, kMaxKeys> keys{};
  std::size_t count = 0;
  simdjson::dom::element id;
  std::string_view type;
  bool has_id = false;
  bool has_type = false;
  for (const auto field : request) {
    if (count == kMaxKeys) return false;
    for (std::size_t i = 0; i < count; ++i) {
      if (keys[i] == field.key) return false;
    }
    keys[count++] = field.key;
    if (field.key == "id") {
      id = field.value;
      has_id = true;
    } else if (field.key == "type") {
      if (field.value.get_string().get(type) != simdjson::SUCCESS) return false;
      has_type = true;
    }
  }
  if (!has_id || !has_type) return false;
  const auto id_type = id.type();
  if (id_type != simdjson::dom::element_type::INT64 &&
      id_type != simdjson::dom::element_type::UINT64 &&
      id_type != simdjson::dom::element_type::STRING) {
    return false;
  }
  const FastHandler* handler = router_.fast_handler(type);
  if (handler == nullptr) return false;

  const std::size_t start = out.size();
  try {
    JsonWriter w(out);
    w.raw(R"({"id":)");
    w.value(id);
    w.raw(R"(,"ok":true,"result":)");
    RequestContext ctx{caller_, this};
    (*handler)(request, w, ctx);
    w.raw("}");
  } catch (...) {
    out.resize(start);
    return false;
  }
  if (out.size() - start > limits_.max_reply_bytes) {
    out.resize(start);
    return false;
  }
  ++fast_replies_;
  return true;
}

std::string Session::reply_to(std::string_view body) {
  std::string& padded = fast_->scratch;
  padded.assign(body);
  padded.resize(body.size() + kTailRoom);
  std::string text;
  if (try_fast(std::string_view(padded.data(), body.size()), text)) return text;
  return reference_reply(body);
}

void Session::queue_reply(std::string_view padded_body) {
  const std::size_t at = pending_.size();
  pending_.resize(at + sizeof(std::uint32_t));
  if (try_fast(padded_body, pending_)) {
    const auto length = static_cast<std::uint32_t>(pending_.size() - at - sizeof(std::uint32_t));
    std::memcpy(pending_.data() + at, &length, sizeof length);
  } else {
    pending_.resize(at);
    queue_frame(reference_reply(padded_body));
  }
  if (log::enabled(log::Level::debug)) {
    log::debug("request of " + std::to_string(padded_body.size()) + " bytes, reply of " +
               std::to_string(pending_.size() - at - 4) + " bytes");
  }
}

std::string Session::reference_reply(std::string_view body) {
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

void Session::queue_frame(std::string_view body) {
  if (body.size() > UINT32_MAX) throw std::length_error("frame body over 4 GiB");
  const auto length = static_cast<std::uint32_t>(body.size());
  const std::size_t at = pending_.size();
  pending_.resize(at + sizeof length);
  std::memcpy(pending_.data() + at, &length, sizeof length);
  pending_.append(body);
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
  if (pending_.capacity() > 4 * kFlushAt) pending_ = std::string();
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
  queue_frame(text);
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
        queue_frame(serialize(make_error(nullptr, ErrorCode::frame_too_large,
                                         "the message is " + std::to_string(skip_length) +
                                             " bytes; the host accepts at most " +
                                             std::to_string(limits_.max_request_bytes))));
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

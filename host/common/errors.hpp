#pragma once
// Error policy (docs/architecture.md, "Errors"): inside the host, a failure that a
// caller can act on is thrown as optguard::Error with a stable code. The protocol
// layer turns it into an error reply, the CLI into a message and exit code 1.
// Anything else that escapes a handler is a bug and is answered as `internal`.

#include <stdexcept>
#include <string>
#include <string_view>

namespace optguard {

// Stable error codes. APPEND ONLY: the names are the wire values in
// docs/protocol.md; never rename, reorder meaningfully or reuse one.
#define OPTGUARD_ERROR_CODES(X)                                                                \
  X(frame_too_large, "the frame is longer than the host accepts")                              \
  X(empty_frame, "the frame has length 0")                                                     \
  X(bad_json, "the frame is not valid UTF-8 JSON")                                             \
  X(not_an_object, "the message is valid JSON but not an object")                              \
  X(too_deep, "the message nests deeper than the host accepts")                                \
  X(bad_request, "the envelope is missing `id` or `type`, or they have the wrong type")        \
  X(unknown_type, "no handler for this message type")                                          \
  X(bad_params, "a parameter is missing, of the wrong type or out of range")                   \
  X(reply_too_large, "the reply would exceed the 1 MiB the browser accepts")                   \
  X(internal, "an unexpected failure inside the host (a bug: please report it)")               \
  X(io_error, "a file could not be read or written")                                           \
  X(not_found, "the thing asked for does not exist")                                           \
  X(unsafe_permissions, "a file or folder is readable or writable by other users")             \
  X(key_missing, "the ledger exists but its key file is missing")                              \
  X(wrong_key, "the key file does not belong to this ledger")                                  \
  X(wrong_passphrase, "the passphrase does not unlock the ledger key")                         \
  X(passphrase_required, "the ledger key is passphrase-protected and no passphrase was given") \
  X(ledger_corrupt, "the ledger database is damaged or not a ledger")                          \
  X(ledger_too_new, "the ledger was written by a newer optguard")                              \
  X(disk_full, "the disk (or the file size limit) is full")                                    \
  X(read_only, "the ledger cannot be written (read-only file, folder or disk)")

enum class ErrorCode {
#define OPTGUARD_X(name, text) name,
  OPTGUARD_ERROR_CODES(OPTGUARD_X)
#undef OPTGUARD_X
};

// The wire name of a code, e.g. "bad_params".
std::string_view code_name(ErrorCode code);
// One line saying what the code means in general (for docs and --help).
std::string_view code_description(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace optguard

#include "common/errors.hpp"

namespace optguard {

std::string_view code_name(ErrorCode code) {
  switch (code) {
#define OPTGUARD_X(name, text) \
  case ErrorCode::name:        \
    return #name;
    OPTGUARD_ERROR_CODES(OPTGUARD_X)
#undef OPTGUARD_X
  }
  return "internal";
}

std::string_view code_description(ErrorCode code) {
  switch (code) {
#define OPTGUARD_X(name, text) \
  case ErrorCode::name:        \
    return text;
    OPTGUARD_ERROR_CODES(OPTGUARD_X)
#undef OPTGUARD_X
  }
  return "";
}

}  // namespace optguard

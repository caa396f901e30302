#pragma once
// The social list (host/filters/lists/social.txt), embedded into the binary at build time:
// third-party social widgets and pixels that track where you see their content across the
// web. The project writes and keeps this list; it carries the `social` category.

#include <string_view>

namespace optguard::filters {

// The whole list text, exactly as in host/filters/lists/social.txt.
std::string_view builtin_social_list();

}  // namespace optguard::filters

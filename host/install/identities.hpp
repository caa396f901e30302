#pragma once
// The extension and host identities, read from manifests/ids.json (embedded at build time).

#include <string>

namespace optguard::install {

struct Identities {
  std::string host_name;     // "org.optguard.host"
  std::string chromium_id;   // the Chromium extension id (from the manifest "key")
  std::string chromium_key;  // base64 DER public key for the extension manifest
  std::string firefox_id;    // the gecko add-on id

  std::string chromium_origin() const { return "chrome-extension://" + chromium_id + "/"; }
};

// The built-in identities (manifests/ids.json).
const Identities& identities();

}  // namespace optguard::install

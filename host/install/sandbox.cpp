#include "install/sandbox.hpp"

#include <sstream>
#include <system_error>

#include "install/identities.hpp"

namespace optguard::install {
namespace fs = std::filesystem;

namespace {
struct Package {
  Browser browser;
  Packaging packaging;
  std::string_view id;          // Flatpak app id or snap name
  std::string_view config_sub;  // Chromium family: profile folder under the sandbox's config dir
};

// Flatpak ids as published on Flathub; snap names as published on the Snap Store.
constexpr Package kPackages[] = {
    {Browser::chrome, Packaging::flatpak, "com.google.Chrome", "google-chrome"},
    {Browser::chromium, Packaging::flatpak, "org.chromium.Chromium", "chromium"},
    {Browser::edge, Packaging::flatpak, "com.microsoft.Edge", "microsoft-edge"},
    {Browser::brave, Packaging::flatpak, "com.brave.Browser", "BraveSoftware/Brave-Browser"},
    {Browser::vivaldi, Packaging::flatpak, "com.vivaldi.Vivaldi", "vivaldi"},
    {Browser::firefox, Packaging::flatpak, "org.mozilla.firefox", ""},
    {Browser::chromium, Packaging::snap, "chromium", ""},
    {Browser::brave, Packaging::snap, "brave", ""},
    {Browser::vivaldi, Packaging::snap, "vivaldi", ""},
    {Browser::firefox, Packaging::snap, "firefox", ""},
};

std::string quote(const fs::path& p) {
  std::string out = "'";
  for (const char c : p.string()) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

// The shell step that writes `wrapper`: a script that runs `host` outside the sandbox.
std::string wrapper_step(const fs::path& wrapper, const fs::path& host) {
  return "mkdir -p " + quote(wrapper.parent_path()) +
         R"( && printf '#!/bin/sh\nexec flatpak-spawn --host )" + quote(host) + R"( "$@"\n' > )" +
         quote(wrapper) + " && chmod 755 " + quote(wrapper);
}

SandboxNote note_for(const Package& pkg, const fs::path& evidence, const Env& env,
                     const fs::path& host) {
  SandboxNote n{pkg.browser, pkg.packaging, std::string(pkg.id), evidence, false, "", {}};
  const auto& ids = identities();
  const std::string name(display_name_of(pkg.browser));
  const std::string id(pkg.id);
  const auto browser = std::string(name_of(pkg.browser));
  if (pkg.browser == Browser::firefox) {
    // Firefox asks the WebExtensions XDG desktop portal to start the host outside the
    // sandbox; the portal reads the normal per-user manifest (~/.mozilla/native-messaging-hosts).
    n.works_with_plain_install = true;
    n.summary =
        name + " (" + std::string(name_of(pkg.packaging)) +
        ") starts native hosts through the WebExtensions XDG desktop portal, which reads "
        "the per-user manifest `optguard install --browser firefox` writes. It needs an "
        "xdg-desktop-portal that provides org.freedesktop.portal.WebExtensions and a Firefox "
        "with portal support; Firefox asks once whether the add-on may start optguard.";
    n.steps.emplace_back("optguard install --browser firefox");
    n.steps.emplace_back(
        "gdbus introspect --session --dest org.freedesktop.portal.Desktop --object-path "
        "/org/freedesktop/portal/desktop | grep -q org.freedesktop.portal.WebExtensions && echo "
        "portal ok");
    n.steps.emplace_back(
        "in about:config set widget.use-xdg-desktop-portal.native-messaging to 1, restart Firefox");
    if (pkg.packaging == Packaging::flatpak) {
      const auto dir = env.home / ".var" / "app" / id / ".mozilla" / "native-messaging-hosts";
      const auto wrapper = env.home / ".var" / "app" / id / "data" / "optguard" / "optguard-host";
      n.steps.push_back(
          "without the portal: flatpak override --user --talk-name=org.freedesktop.Flatpak " + id);
      n.steps.push_back(wrapper_step(wrapper, host));
      n.steps.push_back("mkdir -p " + quote(dir) + R"( && sed 's#"path": "[^"]*"#"path": ")" +
                        wrapper.string() + R"("#' ~/.mozilla/native-messaging-hosts/)" +
                        ids.host_name + ".json > " + quote(dir / (ids.host_name + ".json")));
    }
    return n;
  }
  if (pkg.packaging == Packaging::snap) {
    n.summary = name +
                " (snap) is strictly confined and cannot start programs outside its sandbox; "
                "Chromium-based browsers have no portal for native messaging, so optguard's host "
                "cannot run there. The extension still enforces the rules it has, but choices and "
                "the ledger need the host.";
    n.steps.push_back(
        "install " + name +
        " from its .deb package (or Debian's `chromium`), then: optguard install --browser " +
        browser);
    return n;
  }
  // Chromium family in Flatpak: a manifest inside the sandbox naming a wrapper that asks
  // Flatpak to run the real host outside (this grants the browser the right to start host
  // programs, so optguard prints it rather than applying it).
  const auto config = env.home / ".var" / "app" / id / "config" / fs::path(pkg.config_sub);
  const auto wrapper = env.home / ".var" / "app" / id / "data" / "optguard" / "optguard-host";
  n.summary = name + " (Flatpak) only reads manifests inside its sandbox (" +
              (config / "NativeMessagingHosts").string() +
              ") and cannot start optguard directly; a wrapper that runs it through "
              "flatpak-spawn --host works once the sandbox may talk to org.freedesktop.Flatpak.";
  n.steps.push_back("flatpak override --user --talk-name=org.freedesktop.Flatpak " + id);
  n.steps.push_back(wrapper_step(wrapper, host));
  n.steps.push_back("optguard install --browser " + browser + " --chromium-user-data-dir " +
                    quote(config) + " --host " + quote(wrapper));
  return n;
}
}  // namespace

std::string_view name_of(Packaging p) {
  return p == Packaging::flatpak ? "Flatpak" : "Snap";
}

std::vector<SandboxNote> detect_sandboxed(const Env& env, const fs::path& host_path) {
  std::vector<SandboxNote> out;
  std::error_code ec;
  for (const auto& pkg : kPackages) {
    const std::string id(pkg.id);
    std::vector<fs::path> where;
    if (pkg.packaging == Packaging::flatpak) {
      where = {env.home / ".var" / "app" / id,
               env.home / ".local" / "share" / "flatpak" / "app" / id,
               env.system("/var/lib/flatpak/app") / id};
    } else {
      where = {env.system("/snap/bin") / id, env.system("/snap") / id, env.home / "snap" / id};
    }
    for (const auto& p : where) {
      if (fs::exists(p, ec)) {
        out.push_back(note_for(pkg, p, env, host_path));
        break;
      }
    }
  }
  return out;
}

std::string to_text(const SandboxNote& note) {
  std::ostringstream os;
  os << display_name_of(note.browser) << " is installed as a " << name_of(note.packaging) << " ("
     << note.evidence.string() << ").\n  " << note.summary << '\n';
  if (!note.steps.empty()) {
    os << "  " << (note.works_with_plain_install ? "Steps:" : "Workaround:") << '\n';
    for (const auto& s : note.steps) os << "    " << s << '\n';
  }
  return os.str();
}

}  // namespace optguard::install

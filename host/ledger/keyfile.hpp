#pragma once
// The master-key file (docs/ledger.md "Key file"): owner-only, optionally wrapped with a
// passphrase through Argon2id. Written atomically (temp file, fsync, rename, fsync dir).

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "ledger/crypto.hpp"

namespace optguard::ledger {

// Argon2id cost stored beside the wrapped key.
struct KdfLimits {
  unsigned long long opslimit;
  std::size_t memlimit;
};
KdfLimits moderate_kdf_limits();  // crypto_pwhash_*_MODERATE: what the CLI uses
KdfLimits minimal_kdf_limits();   // crypto_pwhash_*_MIN: for tests only

// Asked for a passphrase when the key is wrapped; nullopt when none can be had.
using PassphraseProvider = std::function<std::optional<WipedString>()>;

// OPTGUARD_PASSPHRASE, else a no-echo prompt on the terminal, else nullopt.
std::optional<WipedString> default_passphrase();
// Prompts on the terminal (twice when `confirm`); nullopt without a terminal.
std::optional<WipedString> prompt_passphrase(const std::string& prompt, bool confirm);

struct KeyFileInfo {
  std::string key_id;
  bool wrapped = false;
};

// Throws Error(unsafe_permissions) when group/others can access `path` (like ssh).
void check_key_permissions(const std::filesystem::path& path);

// The key file's text, after the same permission checks as load_key (for backups).
WipedString read_key_text(const std::filesystem::path& path);

// Reads the header (no passphrase needed). Throws Error(not_found / io_error / ledger_corrupt).
KeyFileInfo read_key_info(const std::filesystem::path& path);

// Loads the master key; asks `passphrase` when the file is wrapped. Throws Error
// (unsafe_permissions, passphrase_required, wrong_passphrase, io_error).
SecretBytes load_key(const std::filesystem::path& path, const PassphraseProvider& passphrase);

// Writes the key (wrapped when `passphrase` is given) to `path` atomically, mode 0600.
void write_key(const std::filesystem::path& path, const SecretBytes& master,
               const WipedString* passphrase, KdfLimits limits);

// Writes `master` to `out` protected like the key file at `like`: plain if that one is plain,
// else wrapped under the same passphrase (asked once from `passphrase` and checked against
// `like`; the Argon2id result is reused, so only one derivation runs). For key rotation.
void write_key_like(const std::filesystem::path& like, const std::filesystem::path& out,
                    const SecretBytes& master, const PassphraseProvider& passphrase);

// fsync of a directory (after a rename in it).
void sync_dir(const std::filesystem::path& dir);
// Writes `text` to `path` atomically (temp + fsync + rename + dir fsync), mode 0600.
void write_file_atomic(const std::filesystem::path& path, const std::string& text);

}  // namespace optguard::ledger

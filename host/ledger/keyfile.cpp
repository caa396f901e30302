#include "ledger/keyfile.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/errors.hpp"
#include "common/home.hpp"
#include "common/unique_fd.hpp"

namespace optguard::ledger {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {
constexpr const char* kFormat = "optguard-ledger-key";

std::string errno_text() {
  return std::strerror(errno);
}

std::string wrap_ad(const std::string& key_id) {
  return "optguard-ledger-key-v1:" + key_id;
}

ByteView as_bytes(const std::string& s) {
  return {reinterpret_cast<const unsigned char*>(s.data()), s.size()};
}

WipedString read_secret_file(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    if (errno == ENOENT) throw Error(ErrorCode::not_found, "no key file at " + path.string());
    throw Error(ErrorCode::io_error, "cannot open " + path.string() + ": " + errno_text());
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw Error(ErrorCode::io_error, "cannot stat " + path.string());
  if ((st.st_mode & 077U) != 0) {
    throw Error(ErrorCode::unsafe_permissions,
                "Permissions " + mode_string(static_cast<fs::perms>(st.st_mode & 07777U)) +
                    " for '" + path.string() +
                    "' are too open. It is required that your ledger key is NOT accessible by "
                    "others. This key is ignored. Fix: chmod 600 '" +
                    path.string() + "'");
  }
  if (st.st_uid != ::geteuid()) {
    throw Error(
        ErrorCode::unsafe_permissions,
        "'" + path.string() + "' belongs to another user: refusing to use it as your ledger key");
  }
  WipedString text;
  text.str().reserve(4096);
  char buf[1024];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      sodium_memzero(buf, sizeof buf);
      throw Error(ErrorCode::io_error, "cannot read " + path.string() + ": " + errno_text());
    }
    if (n == 0) break;
    text.str().append(buf, static_cast<std::size_t>(n));
    if (text.str().size() > std::size_t{64} * 1024) break;
  }
  sodium_memzero(buf, sizeof buf);
  return text;
}

json parse_key_json(const WipedString& text, const fs::path& path) {
  json j = json::parse(text.str(), nullptr, false);
  if (!j.is_object() || j.value("format", "") != kFormat || !j.contains("key_id") ||
      !j["key_id"].is_string()) {
    throw Error(ErrorCode::ledger_corrupt, path.string() + " is not an optguard ledger key file");
  }
  if (j.value("version", 0) != 1) {
    throw Error(ErrorCode::ledger_too_new,
                path.string() + " is a key file of a newer format (version " +
                    j.value("version", json(0)).dump() + "): update optguard");
  }
  return j;
}

SecretBytes derive_kek(const WipedString& pass, ByteView salt, KdfLimits limits) {
  SecretBytes kek(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
  if (crypto_pwhash(kek.data(), kek.size(), pass.str().data(), pass.str().size(), salt.data(),
                    limits.opslimit, limits.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw Error(ErrorCode::io_error,
                "Argon2id ran out of memory deriving the key from the passphrase");
  }
  return kek;
}
}  // namespace

KdfLimits moderate_kdf_limits() {
  return {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE};
}
KdfLimits minimal_kdf_limits() {
  return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
}

std::optional<WipedString> prompt_passphrase(const std::string& prompt, bool confirm) {
  UniqueFd tty(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY));
  if (tty.get() < 0) return std::nullopt;
  termios old{};
  if (::tcgetattr(tty.get(), &old) != 0) return std::nullopt;
  auto ask = [&](const std::string& text) {
    termios noecho = old;
    noecho.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    (void)::write(tty.get(), text.data(), text.size());
    ::tcsetattr(tty.get(), TCSAFLUSH, &noecho);
    WipedString line;
    char c = 0;
    while (::read(tty.get(), &c, 1) == 1 && c != '\n') line.str().push_back(c);
    c = 0;
    ::tcsetattr(tty.get(), TCSAFLUSH, &old);
    (void)::write(tty.get(), "\n", 1);
    return line;
  };
  WipedString first = ask(prompt);
  if (confirm) {
    WipedString second = ask("Repeat: ");
    if (first.str() != second.str()) {
      throw Error(ErrorCode::bad_params, "the two passphrases differ");
    }
  }
  return first;
}

std::optional<WipedString> default_passphrase() {
  if (const char* v = std::getenv("OPTGUARD_PASSPHRASE"); v != nullptr) {
    return WipedString(std::string(v));
  }
  if (::isatty(STDIN_FILENO) == 0) return std::nullopt;
  return prompt_passphrase("Ledger passphrase: ", false);
}

void check_key_permissions(const fs::path& path) {
  (void)read_secret_file(path);
}

WipedString read_key_text(const fs::path& path) {
  return read_secret_file(path);
}

KeyFileInfo read_key_info(const fs::path& path) {
  const WipedString text = read_secret_file(path);
  const json j = parse_key_json(text, path);
  return {j["key_id"].get<std::string>(), j.value("protection", "none") != "none"};
}

SecretBytes load_key(const fs::path& path, const PassphraseProvider& passphrase) {
  const WipedString text = read_secret_file(path);
  json j = parse_key_json(text, path);
  const std::string key_id = j["key_id"].get<std::string>();
  const std::string protection = j.value("protection", "none");
  SecretBytes master(kMasterKeyBytes);
  try {
    if (protection == "none") {
      WipedString b64(j.at("key").get<std::string>());
      std::size_t len = 0;
      if (sodium_base642bin(master.data(), master.size(), b64.str().data(), b64.str().size(),
                            nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
          len != kMasterKeyBytes) {
        throw Error(ErrorCode::ledger_corrupt,
                    path.string() + ": the key is not 32 bytes of base64");
      }
      j["key"] = "";
    } else if (protection == "argon2id") {
      const json& kdf = j.at("kdf");
      const KdfLimits limits{kdf.at("opslimit").get<unsigned long long>(),
                             kdf.at("memlimit").get<std::size_t>()};
      const Bytes salt = from_base64(kdf.at("salt").get<std::string>());
      const Bytes nonce = from_base64(j.at("nonce").get<std::string>());
      const Bytes wrapped = from_base64(j.at("wrapped").get<std::string>());
      if (salt.size() != crypto_pwhash_SALTBYTES || nonce.size() != kNonceBytes ||
          wrapped.size() != kMasterKeyBytes + kAeadTagBytes) {
        throw Error(ErrorCode::ledger_corrupt, path.string() + ": malformed wrapped key");
      }
      std::optional<WipedString> pass = passphrase ? passphrase() : std::nullopt;
      if (!pass) {
        throw Error(ErrorCode::passphrase_required,
                    "the ledger key is protected by a passphrase: set OPTGUARD_PASSPHRASE or run "
                    "optguard in a terminal to be asked for it");
      }
      const SecretBytes kek = derive_kek(*pass, salt, limits);
      const std::string ad = wrap_ad(key_id);
      unsigned long long len = 0;
      if (crypto_aead_xchacha20poly1305_ietf_decrypt(
              master.data(), &len, nullptr, wrapped.data(), wrapped.size(),
              reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nonce.data(),
              kek.data()) != 0) {
        throw Error(ErrorCode::wrong_passphrase,
                    "wrong passphrase: it does not unlock the ledger key in " + path.string());
      }
    } else {
      throw Error(ErrorCode::ledger_corrupt,
                  path.string() + ": unknown protection '" + protection + "'");
    }
  } catch (const json::exception& e) {
    throw Error(ErrorCode::ledger_corrupt,
                path.string() + ": malformed key file (" + e.what() + ")");
  } catch (const std::invalid_argument& e) {
    throw Error(ErrorCode::ledger_corrupt,
                path.string() + ": malformed key file (" + e.what() + ")");
  }
  if (key_id_of(master) != key_id) {
    throw Error(ErrorCode::ledger_corrupt,
                path.string() + ": the key does not match its key_id (damaged file)");
  }
  master.lock_readonly();
  return master;
}

void sync_dir(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() >= 0) ::fsync(fd.get());
}

void write_file_atomic(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.get() < 0) {
      const int err = errno;
      throw Error(err == EROFS || err == EACCES ? ErrorCode::read_only : ErrorCode::io_error,
                  "cannot write " + tmp.string() + ": " + std::strerror(err));
    }
    ::fchmod(fd.get(), 0600);
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        ::unlink(tmp.c_str());
        throw Error(err == ENOSPC || err == EFBIG ? ErrorCode::disk_full : ErrorCode::io_error,
                    "cannot write " + tmp.string() + ": " + std::strerror(err));
      }
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) {
      ::unlink(tmp.c_str());
      throw Error(ErrorCode::io_error, "cannot sync " + tmp.string() + ": " + errno_text());
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw Error(ErrorCode::io_error, "cannot rename " + tmp.string() + ": " + errno_text());
  }
  sync_dir(path.parent_path());
}

void write_key_like(const fs::path& like, const fs::path& out, const SecretBytes& master,
                    const PassphraseProvider& passphrase) {
  const WipedString text = read_secret_file(like);
  const json old = parse_key_json(text, like);
  if (old.value("protection", "none") == "none") {
    write_key(out, master, nullptr, minimal_kdf_limits());
    return;
  }
  try {
    const json& kdf = old.at("kdf");
    const KdfLimits limits{kdf.at("opslimit").get<unsigned long long>(),
                           kdf.at("memlimit").get<std::size_t>()};
    const Bytes salt = from_base64(kdf.at("salt").get<std::string>());
    const Bytes old_nonce = from_base64(old.at("nonce").get<std::string>());
    const Bytes old_wrapped = from_base64(old.at("wrapped").get<std::string>());
    std::optional<WipedString> pass = passphrase ? passphrase() : std::nullopt;
    if (!pass) {
      throw Error(ErrorCode::passphrase_required,
                  "the ledger key is protected by a passphrase: set OPTGUARD_PASSPHRASE");
    }
    if (salt.size() != crypto_pwhash_SALTBYTES || old_nonce.size() != kNonceBytes) {
      throw Error(ErrorCode::ledger_corrupt, like.string() + ": malformed wrapped key");
    }
    const SecretBytes kek = derive_kek(*pass, salt, limits);
    // Check the passphrase against the current key before wrapping the new one with it.
    SecretBytes check(kMasterKeyBytes + kAeadTagBytes);
    const std::string old_ad = wrap_ad(old.at("key_id").get<std::string>());
    unsigned long long len = 0;
    if (old_wrapped.size() != kMasterKeyBytes + kAeadTagBytes ||
        crypto_aead_xchacha20poly1305_ietf_decrypt(
            check.data(), &len, nullptr, old_wrapped.data(), old_wrapped.size(),
            as_bytes(old_ad).data(), old_ad.size(), old_nonce.data(), kek.data()) != 0) {
      throw Error(ErrorCode::wrong_passphrase,
                  "wrong passphrase: it does not unlock the ledger key in " + like.string());
    }
    const std::string key_id = key_id_of(master);
    const std::string ad = wrap_ad(key_id);
    const Bytes nonce = random_bytes(kNonceBytes);
    Bytes wrapped(kMasterKeyBytes + kAeadTagBytes);
    crypto_aead_xchacha20poly1305_ietf_encrypt(wrapped.data(), &len, master.data(), master.size(),
                                               as_bytes(ad).data(), ad.size(), nullptr,
                                               nonce.data(), kek.data());
    json j{{"format", kFormat}, {"version", 1}, {"key_id", key_id}, {"protection", "argon2id"}};
    j["kdf"] = kdf;
    j["nonce"] = to_base64(nonce);
    j["wrapped"] = to_base64(wrapped);
    write_file_atomic(out, j.dump(1) + "\n");
  } catch (const json::exception& e) {
    throw Error(ErrorCode::ledger_corrupt,
                like.string() + ": malformed key file (" + e.what() + ")");
  } catch (const std::invalid_argument& e) {
    throw Error(ErrorCode::ledger_corrupt,
                like.string() + ": malformed key file (" + e.what() + ")");
  }
}

void write_key(const fs::path& path, const SecretBytes& master, const WipedString* passphrase,
               KdfLimits limits) {
  const std::string key_id = key_id_of(master);
  json j{{"format", kFormat}, {"version", 1}, {"key_id", key_id}};
  if (passphrase == nullptr) {
    j["protection"] = "none";
    j["key"] = to_base64(master.view());
  } else {
    const Bytes salt = random_bytes(crypto_pwhash_SALTBYTES);
    const Bytes nonce = random_bytes(kNonceBytes);
    const SecretBytes kek = derive_kek(*passphrase, salt, limits);
    const std::string ad = wrap_ad(key_id);
    Bytes wrapped(kMasterKeyBytes + kAeadTagBytes);
    unsigned long long len = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(wrapped.data(), &len, master.data(), master.size(),
                                               as_bytes(ad).data(), ad.size(), nullptr,
                                               nonce.data(), kek.data());
    j["protection"] = "argon2id";
    j["kdf"] = {{"alg", "argon2id13"},
                {"opslimit", limits.opslimit},
                {"memlimit", limits.memlimit},
                {"salt", to_base64(salt)}};
    j["nonce"] = to_base64(nonce);
    j["wrapped"] = to_base64(wrapped);
  }
  WipedString text(j.dump(1) + "\n");
  if (j.contains("key")) {
    auto& k = j["key"].get_ref<std::string&>();
    sodium_memzero(k.data(), k.size());
  }
  write_file_atomic(path, text.str());
}

}  // namespace optguard::ledger

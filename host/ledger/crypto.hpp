#pragma once
// libsodium building blocks for the ledger (docs/ledger.md "Keys"): secrets in locked,
// guarded memory, the subkeys derived from the master key, AEAD and keyed hashes.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace optguard::ledger {

using Bytes = std::vector<unsigned char>;
using ByteView = std::span<const unsigned char>;

// Calls sodium_init once; throws std::runtime_error if libsodium cannot start.
void ensure_sodium();

// A secret in sodium_malloc memory (mlocked, guard pages, wiped by sodium_free).
// Move-only; read-only after it is filled (sodium_mprotect_readonly).
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size);
  ~SecretBytes();
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  unsigned char* data() { return data_; }
  const unsigned char* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  ByteView view() const { return {data_, size_}; }
  // Makes the memory read-only (any later write faults): call once it is filled.
  void lock_readonly();

 private:
  void release() noexcept;
  unsigned char* data_ = nullptr;
  std::size_t size_ = 0;
};

// A std::string wiped when it goes out of scope (passphrases, key-file text).
class WipedString {
 public:
  WipedString() = default;
  explicit WipedString(std::string s) : s_(std::move(s)) {}
  ~WipedString();
  WipedString(WipedString&& o) noexcept : s_(std::move(o.s_)) {}
  WipedString& operator=(WipedString&& o) noexcept;
  WipedString(const WipedString&) = delete;
  WipedString& operator=(const WipedString&) = delete;
  const std::string& str() const { return s_; }
  std::string& str() { return s_; }

 private:
  std::string s_;
};

constexpr std::size_t kMasterKeyBytes = 32;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kLinkBytes = 32;
constexpr std::size_t kNonceBytes = 24;  // XChaCha20-Poly1305-IETF
constexpr std::size_t kAeadTagBytes = 16;

// Everything derived from one master key (crypto_kdf, context "ogledger").
class KeySet {
 public:
  explicit KeySet(const SecretBytes& master);

  const std::string& key_id() const { return key_id_; }  // 32 hex chars
  const std::array<unsigned char, 32>& public_key() const { return public_key_; }

  // Blind index of a site name.
  Bytes site_tag(std::string_view site) const;
  // AEAD with the record or state key; `ad` is the associated data.
  Bytes seal_record(std::string_view plaintext, ByteView ad, ByteView nonce) const;
  bool open_record(ByteView ct, ByteView ad, ByteView nonce, std::string& out) const;
  Bytes seal_state(std::string_view plaintext, ByteView ad, ByteView nonce) const;
  bool open_state(ByteView ct, ByteView ad, ByteView nonce, std::string& out) const;
  // Keyed BLAKE2b-256 with the chain key.
  Bytes chain_mac(ByteView message) const;
  // Ed25519 detached signature (64 bytes).
  Bytes sign(ByteView message) const;

 private:
  SecretBytes record_key_{32};
  SecretBytes tag_key_{32};
  SecretBytes chain_key_{32};
  SecretBytes state_key_{32};
  SecretBytes sign_sk_{64};
  std::array<unsigned char, 32> public_key_{};
  std::string key_id_;
};

// The key id of a master key (same as KeySet(master).key_id(), without deriving the rest).
std::string key_id_of(const SecretBytes& master);
SecretBytes random_master_key();

Bytes random_bytes(std::size_t n);
bool verify_signature(ByteView message, ByteView signature, ByteView public_key);

std::string to_base64(ByteView b);
// Throws std::invalid_argument on bad input.
Bytes from_base64(std::string_view s);
std::string to_hex(ByteView b);
Bytes from_hex(std::string_view s);

// Big-endian append helpers for the byte strings that are MACed or used as AD.
void put_u64(Bytes& out, std::uint64_t v);
void put_bytes(Bytes& out, ByteView b);
void put_str(Bytes& out, std::string_view s);

}  // namespace optguard::ledger

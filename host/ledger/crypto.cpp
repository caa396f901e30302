#include "ledger/crypto.hpp"

#include <sodium.h>

#include <stdexcept>
#include <utility>

namespace optguard::ledger {
namespace {
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "ogledger";
enum Subkey : std::uint64_t {
  kRecord = 1,
  kTag = 2,
  kChain = 3,
  kSignSeed = 4,
  kState = 5,
  kKeyId = 6
};

void derive(SecretBytes& out, std::uint64_t id, const SecretBytes& master) {
  if (crypto_kdf_derive_from_key(out.data(), out.size(), id, kKdfContext, master.data()) != 0) {
    throw std::runtime_error("crypto_kdf_derive_from_key failed");
  }
}

Bytes seal(const SecretBytes& key, std::string_view pt, ByteView ad, ByteView nonce) {
  Bytes ct(pt.size() + kAeadTagBytes);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      ct.data(), &len, reinterpret_cast<const unsigned char*>(pt.data()), pt.size(), ad.data(),
      ad.size(), nullptr, nonce.data(), key.data());
  ct.resize(static_cast<std::size_t>(len));
  return ct;
}

bool open(const SecretBytes& key, ByteView ct, ByteView ad, ByteView nonce, std::string& out) {
  if (ct.size() < kAeadTagBytes || nonce.size() != kNonceBytes) return false;
  out.resize(ct.size() - kAeadTagBytes);
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(out.data()), &len,
                                                 nullptr, ct.data(), ct.size(), ad.data(),
                                                 ad.size(), nonce.data(), key.data()) != 0) {
    sodium_memzero(out.data(), out.size());
    out.clear();
    return false;
  }
  out.resize(static_cast<std::size_t>(len));
  return true;
}
}  // namespace

void ensure_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

SecretBytes::SecretBytes(std::size_t size) : size_(size) {
  ensure_sodium();
  data_ = static_cast<unsigned char*>(sodium_malloc(size == 0 ? 1 : size));
  if (data_ == nullptr) throw std::bad_alloc();
  sodium_memzero(data_, size_);
}

SecretBytes::~SecretBytes() {
  release();
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void SecretBytes::release() noexcept {
  if (data_ != nullptr) sodium_free(data_);  // wipes before freeing
  data_ = nullptr;
  size_ = 0;
}

void SecretBytes::lock_readonly() {
  if (data_ != nullptr) sodium_mprotect_readonly(data_);
}

WipedString::~WipedString() {
  if (!s_.empty()) sodium_memzero(s_.data(), s_.size());
}

WipedString& WipedString::operator=(WipedString&& o) noexcept {
  if (this != &o) {
    if (!s_.empty()) sodium_memzero(s_.data(), s_.size());
    s_ = std::move(o.s_);
  }
  return *this;
}

KeySet::KeySet(const SecretBytes& master) {
  if (master.size() != kMasterKeyBytes) throw std::invalid_argument("master key must be 32 bytes");
  derive(record_key_, kRecord, master);
  derive(tag_key_, kTag, master);
  derive(chain_key_, kChain, master);
  derive(state_key_, kState, master);
  SecretBytes seed(32);
  derive(seed, kSignSeed, master);
  crypto_sign_seed_keypair(public_key_.data(), sign_sk_.data(), seed.data());
  key_id_ = key_id_of(master);
  record_key_.lock_readonly();
  tag_key_.lock_readonly();
  chain_key_.lock_readonly();
  state_key_.lock_readonly();
  sign_sk_.lock_readonly();
}

std::string key_id_of(const SecretBytes& master) {
  SecretBytes idkey(32);
  derive(idkey, kKeyId, master);
  static constexpr std::string_view kLabel = "optguard key id";
  unsigned char out[16];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(kLabel.data()),
                     kLabel.size(), idkey.data(), idkey.size());
  return to_hex(ByteView(out, sizeof out));
}

SecretBytes random_master_key() {
  SecretBytes k(kMasterKeyBytes);
  randombytes_buf(k.data(), k.size());
  return k;
}

Bytes KeySet::site_tag(std::string_view site) const {
  Bytes out(kTagBytes);
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(site.data()),
                     site.size(), tag_key_.data(), tag_key_.size());
  return out;
}

Bytes KeySet::seal_record(std::string_view pt, ByteView ad, ByteView nonce) const {
  return seal(record_key_, pt, ad, nonce);
}
bool KeySet::open_record(ByteView ct, ByteView ad, ByteView nonce, std::string& out) const {
  return open(record_key_, ct, ad, nonce, out);
}
Bytes KeySet::seal_state(std::string_view pt, ByteView ad, ByteView nonce) const {
  return seal(state_key_, pt, ad, nonce);
}
bool KeySet::open_state(ByteView ct, ByteView ad, ByteView nonce, std::string& out) const {
  return open(state_key_, ct, ad, nonce, out);
}

Bytes KeySet::chain_mac(ByteView message) const {
  Bytes out(kLinkBytes);
  crypto_generichash(out.data(), out.size(), message.data(), message.size(), chain_key_.data(),
                     chain_key_.size());
  return out;
}

Bytes KeySet::sign(ByteView message) const {
  Bytes sig(crypto_sign_BYTES);
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), sign_sk_.data());
  return sig;
}

Bytes random_bytes(std::size_t n) {
  ensure_sodium();
  Bytes b(n);
  randombytes_buf(b.data(), b.size());
  return b;
}

bool verify_signature(ByteView message, ByteView signature, ByteView public_key) {
  ensure_sodium();
  if (signature.size() != crypto_sign_BYTES || public_key.size() != crypto_sign_PUBLICKEYBYTES) {
    return false;
  }
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     public_key.data()) == 0;
}

std::string to_base64(ByteView b) {
  std::string out(sodium_base64_encoded_len(b.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), b.data(), b.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

Bytes from_base64(std::string_view s) {
  Bytes out(s.size() / 4 * 3 + 3);
  std::size_t len = 0;
  if (sodium_base642bin(out.data(), out.size(), s.data(), s.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    throw std::invalid_argument("not valid base64");
  }
  out.resize(len);
  return out;
}

std::string to_hex(ByteView b) {
  std::string out(b.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), b.data(), b.size());
  out.resize(b.size() * 2);
  return out;
}

Bytes from_hex(std::string_view s) {
  Bytes out(s.size() / 2);
  std::size_t len = 0;
  if (sodium_hex2bin(out.data(), out.size(), s.data(), s.size(), nullptr, &len, nullptr) != 0 ||
      len * 2 != s.size()) {
    throw std::invalid_argument("not valid hex");
  }
  out.resize(len);
  return out;
}

void put_u64(Bytes& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<unsigned char>(v >> (8 * i)));
}
void put_bytes(Bytes& out, ByteView b) {
  out.insert(out.end(), b.begin(), b.end());
}
void put_str(Bytes& out, std::string_view s) {
  out.insert(out.end(), s.begin(), s.end());
}

}  // namespace optguard::ledger

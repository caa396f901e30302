// Known answers for the ledger's key derivation and crypto, as KeePassXC's crypto tests do:
// fixed master key, nonce and messages, expected bytes computed by an independent
// implementation (known_answers.py: Python's hashlib BLAKE2b, the `cryptography` package's
// Ed25519 and ChaCha20-Poly1305, HChaCha20 written out). A change to a KDF context, a subkey
// id, an AEAD or a hash length would make every existing ledger unreadable or every receipt
// unverifiable; this test fails first.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>

#include "ledger/crypto.hpp"

using namespace optguard::ledger;

namespace {
SecretBytes fixed_master() {
  SecretBytes master(kMasterKeyBytes);
  for (std::size_t i = 0; i < master.size(); ++i) master.data()[i] = static_cast<unsigned char>(i);
  return master;
}

Bytes bytes_of(std::string_view s) {
  return {s.begin(), s.end()};
}

Bytes fixed_nonce() {
  Bytes nonce(kNonceBytes);
  for (std::size_t i = 0; i < nonce.size(); ++i) nonce[i] = static_cast<unsigned char>(0x40 + i);
  return nonce;
}

constexpr std::string_view kPlaintext = "hello, regulator";
}  // namespace

TEST_CASE("known answers: the subkeys, key id and signing key of a fixed master key") {
  const SecretBytes master = fixed_master();
  const KeySet keys(master);
  CHECK(keys.key_id() == "ce4dd1836fb9b63b7800e243cc5e48cc");
  CHECK(key_id_of(master) == keys.key_id());
  CHECK(to_hex(keys.public_key()) ==
        "af720622bbe3ef6e2be058be77c94d353fe9f5bf461974f25479f55d90bfa0e0");
  CHECK(to_hex(keys.site_tag("example.com")) == "144fcbe5cc4605aa7eabd105011cc95a");
  CHECK(to_hex(keys.chain_mac(bytes_of("optguard-ad"))) ==
        "3c0f86efa4e48e8524ae3660d36e4feff80be91ead73009058cd638ae17f27a6");
}

TEST_CASE("known answers: XChaCha20-Poly1305 with the record and state keys") {
  const KeySet keys(fixed_master());
  const Bytes ad = bytes_of("optguard-ad");
  const Bytes nonce = fixed_nonce();
  const Bytes record = keys.seal_record(kPlaintext, ad, nonce);
  CHECK(to_hex(record) == "66ec96f7a1e586e45afb056617eac9e2325931bb6ac412c408d210bbed0e7895");
  const Bytes state = keys.seal_state(kPlaintext, ad, nonce);
  CHECK(to_hex(state) == "5a5fffefa38f4fcd56319f835a1f9933b8f55091bf9183cc6224c6f83529c411");
  std::string out;
  REQUIRE(keys.open_record(record, ad, nonce, out));
  CHECK(out == kPlaintext);
}

TEST_CASE("known answers: the Ed25519 signature a receipt carries is deterministic") {
  const KeySet keys(fixed_master());
  const Bytes message = bytes_of("optguard-ad");
  const Bytes signature = keys.sign(message);
  CHECK(to_hex(signature) ==
        "d3cb40a4de3ca5c8aca701d8f82b0e74758dad760688dedc84d2f8ad26a51ef9"
        "720c1f5c880b15de7d07c0ae8709071c878b8f6f7d888b3633e498493ef0b809");
  CHECK(verify_signature(message, signature, keys.public_key()));
}

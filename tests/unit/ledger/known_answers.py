#!/usr/bin/env python3
"""Computes the expected values in test_known_answers.cpp WITHOUT libsodium or optguard code:
BLAKE2b from Python's hashlib, Ed25519 and ChaCha20-Poly1305 from the `cryptography` package,
HChaCha20 written out below (RFC draft-irtf-cfrg-xchacha section 2.2). Run by hand; CI does not
need it (the C++ test holds its output)."""
import hashlib
import struct

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives import serialization

MASTER = bytes(range(32))
NONCE = bytes(range(0x40, 0x40 + 24))
AD = b"optguard-ad"
PLAINTEXT = b"hello, regulator"
CONTEXT = b"ogledger"


def derive(subkey_id, length=32):
    # libsodium crypto_kdf_derive_from_key: BLAKE2b keyed with the master key, empty message,
    # salt = subkey id (64-bit little endian) + 8 zero bytes, personal = context + 8 zero bytes.
    return hashlib.blake2b(b"", digest_size=length, key=MASTER,
                           salt=struct.pack("<Q", subkey_id) + bytes(8),
                           person=CONTEXT + bytes(8)).digest()


def rotl(v, c):
    return ((v << c) & 0xFFFFFFFF) | (v >> (32 - c))


def quarter(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & 0xFFFFFFFF; s[d] = rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & 0xFFFFFFFF; s[b] = rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & 0xFFFFFFFF; s[d] = rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & 0xFFFFFFFF; s[b] = rotl(s[b] ^ s[c], 7)


def hchacha20(key, nonce16):
    s = list(struct.unpack("<4I", b"expand 32-byte k") + struct.unpack("<8I", key) +
             struct.unpack("<4I", nonce16))
    for _ in range(10):
        quarter(s, 0, 4, 8, 12); quarter(s, 1, 5, 9, 13); quarter(s, 2, 6, 10, 14); quarter(s, 3, 7, 11, 15)
        quarter(s, 0, 5, 10, 15); quarter(s, 1, 6, 11, 12); quarter(s, 2, 7, 8, 13); quarter(s, 3, 4, 9, 14)
    return struct.pack("<8I", *(s[0:4] + s[12:16]))


def xchacha20poly1305_seal(key, nonce, pt, ad):
    sub = hchacha20(key, nonce[:16])
    return ChaCha20Poly1305(sub).encrypt(bytes(4) + nonce[16:], pt, ad)


record_key, tag_key, chain_key, sign_seed, state_key, id_key = (derive(i) for i in range(1, 7))
signer = Ed25519PrivateKey.from_private_bytes(sign_seed)
public = signer.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
print("key_id      ", hashlib.blake2b(b"optguard key id", digest_size=16, key=id_key).hexdigest())
print("public_key  ", public.hex())
print("site_tag    ", hashlib.blake2b(b"example.com", digest_size=16, key=tag_key).hexdigest())
print("chain_mac   ", hashlib.blake2b(AD, digest_size=32, key=chain_key).hexdigest())
print("seal_record ", xchacha20poly1305_seal(record_key, NONCE, PLAINTEXT, AD).hex())
print("seal_state  ", xchacha20poly1305_seal(state_key, NONCE, PLAINTEXT, AD).hex())
print("signature   ", signer.sign(AD).hex())

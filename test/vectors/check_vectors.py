#!/usr/bin/env python3
"""Independent check of the vector files in this directory.

Recomputes every expected value with Python's `cryptography` package (OpenSSL underneath) and
the standard library's hmac/hashlib, an implementation independent of the @noble and node:crypto
code under test, so that a typing mistake in a vector file shows up here and not as a puzzling
failure of our TypeScript code.
Run: python3 test/vectors/check_vectors.py   (exit status 0 when every vector matches)
"""
import hashlib
import hmac
import json
import pathlib
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

HERE = pathlib.Path(__file__).parent
failures = 0


def check(name, got, want):
    global failures
    ok = got == want
    if not ok:
        failures += 1
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + ("" if ok else f"\n  got  {got.hex()}\n  want {want.hex()}"))


def load(rel):
    return json.loads((HERE / rel).read_text())


h = bytes.fromhex

for v in load("rfc8032-ed25519/vectors.json")["vectors"]:
    sk = Ed25519PrivateKey.from_private_bytes(h(v["secretKey"]))
    pk = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    check(f"ed25519 {v['name']} public key", pk, h(v["publicKey"]))
    check(f"ed25519 {v['name']} signature", sk.sign(h(v["message"])), h(v["signature"]))
    Ed25519PublicKey.from_public_bytes(pk).verify(h(v["signature"]), h(v["message"]))
check("SHA(abc) message is SHA-512('abc')", hashlib.sha512(b"abc").digest(),
      h(load("rfc8032-ed25519/vectors.json")["vectors"][4]["message"]))

x = load("rfc7748-x25519/vectors.json")


def x25519(k, u):
    # OpenSSL masks the top bit of u as RFC 7748 section 5 requires.
    return X25519PrivateKey.from_private_bytes(k).exchange(X25519PublicKey.from_public_bytes(u))


for v in x["scalarMult"]:
    check(f"x25519 {v['name']}", x25519(h(v["scalar"]), h(v["u"])), h(v["output"]))
k = u = h(x["iterated"]["start"])
for i in range(1, 1001):
    k, u = x25519(k, u), k
    if i == 1:
        check("x25519 iterated 1", k, h(x["iterated"]["after1"]))
check("x25519 iterated 1000", k, h(x["iterated"]["after1000"]))
dh = x["diffieHellman"]


def xpub(sk):
    return X25519PrivateKey.from_private_bytes(sk).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)


check("x25519 alice public", xpub(h(dh["alicePrivate"])), h(dh["alicePublic"]))
check("x25519 bob public", xpub(h(dh["bobPrivate"])), h(dh["bobPublic"]))
check("x25519 alice shared", x25519(h(dh["alicePrivate"]), h(dh["bobPublic"])), h(dh["shared"]))
check("x25519 bob shared", x25519(h(dh["bobPrivate"]), h(dh["alicePublic"])), h(dh["shared"]))

for v in load("rfc5869-hkdf/vectors.json")["vectors"]:
    salt = h(v["salt"])
    prk = hmac.new(salt if salt else bytes(32), h(v["ikm"]), hashlib.sha256).digest()
    check(f"hkdf {v['name']} prk", prk, h(v["prk"]))
    okm = HKDF(algorithm=hashes.SHA256(), length=v["length"], salt=salt or None, info=h(v["info"])).derive(h(v["ikm"]))
    check(f"hkdf {v['name']} okm", okm, h(v["okm"]))

for v in load("gcm-spec-aes256/vectors.json")["vectors"]:
    enc = Cipher(algorithms.AES(h(v["key"])), modes.GCM(h(v["iv"]))).encryptor()
    enc.authenticate_additional_data(h(v["aad"]))
    ct = enc.update(h(v["plaintext"])) + enc.finalize()
    check(f"gcm {v['name']} ciphertext", ct, h(v["ciphertext"]))
    check(f"gcm {v['name']} tag", enc.tag, h(v["tag"]))

print("all vectors match" if failures == 0 else f"{failures} mismatches")
sys.exit(1 if failures else 0)

"""Ed25519 signatures of device uploads: pure helpers over canonical JSON."""

from __future__ import annotations

from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from shailoo.kit.hashing import canonical_json


def signed_bytes(document: dict[str, Any]) -> bytes:
    """The bytes a device signs: the canonical JSON of the document without its signature."""
    body = {k: v for k, v in document.items() if k != "signature"}
    return canonical_json(body).encode("utf-8")


def sign(private_key: Ed25519PrivateKey, document: dict[str, Any]) -> str:
    """Hex signature of a document (used by devices, the demo and tests)."""
    return private_key.sign(signed_bytes(document)).hex()


def public_key_hex(private_key: Ed25519PrivateKey) -> str:
    """Hex of the raw 32-byte public key."""
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def signature_valid(public_key_hex_value: str, document: dict[str, Any], signature: str) -> bool:
    """True when ``signature`` (hex) signs ``document`` under the given public key."""
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex_value))
        key.verify(bytes.fromhex(signature), signed_bytes(document))
    except (InvalidSignature, ValueError):
        return False
    return True

"""Templates encrypted at rest: AES-256-GCM with a fresh 96-bit nonce per template, the
row's reference id and modality as associated data (a ciphertext moved to another row does
not decrypt), and a key id so that a key can be rotated."""

from __future__ import annotations

import base64
import hashlib
import os

import numpy as np
import numpy.typing as npt
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shailoo.errors import ConfigError

F32 = npt.NDArray[np.float32]


class TemplateCipher:
    """Seals and opens feature vectors with one AES-256-GCM key."""

    def __init__(self, key_b64: str) -> None:
        key = base64.b64decode(key_b64)
        if len(key) != 32:
            raise ConfigError("biometrics.bad_key", "the biometric key must be 32 bytes")
        self._aead = AESGCM(key)
        self.key_id = hashlib.sha256(b"shailoo-biometric-key:" + key).hexdigest()[:16]

    @staticmethod
    def _aad(ref_id: str, modality: str) -> bytes:
        return f"{ref_id}:{modality}".encode()

    def seal(self, ref_id: str, modality: str, vector: F32) -> tuple[bytes, bytes]:
        """(nonce, ciphertext) of a float32 vector."""
        nonce = os.urandom(12)
        data = np.ascontiguousarray(vector, dtype="<f4").tobytes()
        return nonce, self._aead.encrypt(nonce, data, self._aad(ref_id, modality))

    def open(self, ref_id: str, modality: str, key_id: str, nonce: bytes,
             ciphertext: bytes) -> F32:
        """The vector back; refuses another key's or a tampered/moved ciphertext."""
        if key_id != self.key_id:
            raise ConfigError("biometrics.wrong_key",
                              f"template of {ref_id} was sealed with key {key_id}, not the "
                              f"configured key {self.key_id}")
        try:
            data = self._aead.decrypt(nonce, ciphertext, self._aad(ref_id, modality))
        except InvalidTag:
            raise ConfigError("biometrics.template_tampered",
                              f"template {ref_id}/{modality} does not authenticate") from None
        return np.frombuffer(data, dtype="<f4").astype(np.float32)

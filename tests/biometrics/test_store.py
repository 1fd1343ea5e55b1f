"""Templates at rest: AES-256-GCM per template, bound to its row (reference id and
modality), refused under another key or when changed."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from shailoo.biometrics.store import TemplateCipher
from shailoo.errors import ConfigError

KEY = base64.b64encode(bytes(range(32))).decode()
OTHER = base64.b64encode(bytes(range(1, 33))).decode()
VEC = (np.arange(128, dtype=np.float32) - 64) / 100


def test_a_sealed_template_opens_to_the_same_floats():
    cipher = TemplateCipher(KEY)
    nonce, sealed = cipher.seal("ref1", "finger2", VEC)
    assert len(nonce) == 12
    assert len(sealed) == 4 * 128 + 16  # the float32 bytes and the GCM tag
    assert VEC.astype("<f4").tobytes() not in sealed
    opened = cipher.open("ref1", "finger2", cipher.key_id, nonce, sealed)
    assert opened.dtype == np.float32 and np.array_equal(opened, VEC)


def test_every_seal_has_a_fresh_nonce():
    cipher = TemplateCipher(KEY)
    first, second = cipher.seal("r", "face", VEC), cipher.seal("r", "face", VEC)
    assert first[0] != second[0] and first[1] != second[1]


def test_the_key_id_names_the_key_not_the_instance():
    assert TemplateCipher(KEY).key_id == TemplateCipher(KEY).key_id
    assert TemplateCipher(KEY).key_id != TemplateCipher(OTHER).key_id
    assert len(TemplateCipher(KEY).key_id) == 16


def test_another_key_is_refused_by_key_id_before_decrypting():
    nonce, sealed = TemplateCipher(KEY).seal("ref1", "finger2", VEC)
    other = TemplateCipher(OTHER)
    with pytest.raises(ConfigError) as exc:
        other.open("ref1", "finger2", TemplateCipher(KEY).key_id, nonce, sealed)
    assert exc.value.code == "biometrics.wrong_key"
    with pytest.raises(ConfigError) as exc:  # a forged key id does not help
        other.open("ref1", "finger2", other.key_id, nonce, sealed)
    assert exc.value.code == "biometrics.template_tampered"


@pytest.mark.parametrize("ref, modality", [("ref2", "finger2"), ("ref1", "finger3")])
def test_a_ciphertext_moved_to_another_row_does_not_open(ref, modality):
    cipher = TemplateCipher(KEY)
    nonce, sealed = cipher.seal("ref1", "finger2", VEC)
    with pytest.raises(ConfigError) as exc:
        cipher.open(ref, modality, cipher.key_id, nonce, sealed)
    assert exc.value.code == "biometrics.template_tampered"
    assert f"{ref}/{modality}" in exc.value.message


def test_a_changed_byte_or_nonce_does_not_open():
    cipher = TemplateCipher(KEY)
    nonce, sealed = cipher.seal("ref1", "finger2", VEC)
    flipped = bytes([sealed[0] ^ 1]) + sealed[1:]
    for n, s in ((nonce, flipped), (bytes(12), sealed), (nonce, sealed[:-1])):
        with pytest.raises(ConfigError) as exc:
            cipher.open("ref1", "finger2", cipher.key_id, n, s)
        assert exc.value.code == "biometrics.template_tampered"


@pytest.mark.parametrize("key", [base64.b64encode(bytes(16)).decode(),
                                 base64.b64encode(bytes(33)).decode(), ""])
def test_a_key_that_is_not_32_bytes_is_refused(key):
    with pytest.raises(ConfigError) as exc:
        TemplateCipher(key)
    assert exc.value.code == "biometrics.bad_key"

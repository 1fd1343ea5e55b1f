"""Fixtures of this test package."""

import pytest
from argon2 import PasswordHasher


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch):
    """Argon2id with the smallest cost: the same code path, a fraction of the time."""
    monkeypatch.setattr("shailoo.auth.passwords._HASHER",
                        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))

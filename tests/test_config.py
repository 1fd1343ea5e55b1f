"""Settings are read from SHAILOO_* variables and refused at start when wrong."""

import pytest
from pydantic import ValidationError

from shailoo.config import DEV_SECRET_KEY, Settings, get_settings
from shailoo.errors import ConfigError

KEY = "k" * 32


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("DATABASE_URL", "SECRET_KEY", "DEFAULT_LANGUAGE", "TIMEZONE", "PRODUCTION"):
        monkeypatch.delenv(f"SHAILOO_{name}", raising=False)


def test_defaults():
    s = Settings()
    assert (s.database_url, s.secret_key, s.default_language, s.timezone, s.production) == (
        "sqlite:///shailoo.db", DEV_SECRET_KEY, "ru", "Asia/Bishkek", False)


def test_env_vars_are_read(monkeypatch):
    monkeypatch.setenv("SHAILOO_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("SHAILOO_SECRET_KEY", KEY)
    monkeypatch.setenv("SHAILOO_DEFAULT_LANGUAGE", "ky")
    monkeypatch.setenv("SHAILOO_TIMEZONE", "UTC")
    monkeypatch.setenv("SHAILOO_BIOMETRIC_KEY", "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=")
    monkeypatch.setenv("SHAILOO_PRODUCTION", "true")
    s = get_settings()
    assert (s.database_url, s.secret_key, s.default_language, s.timezone, s.production) == (
        "postgresql+psycopg://u@h/db", KEY, "ky", "UTC", True)
    assert get_settings() is s  # read once


def test_a_plain_postgresql_url_gets_the_psycopg_driver(monkeypatch):
    monkeypatch.setenv("SHAILOO_DATABASE_URL", "postgresql://u@h:5432/db")
    assert get_settings().database_url == "postgresql+psycopg://u@h:5432/db"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("DEFAULT_LANGUAGE", "fr", "default_language"),
    ("DATABASE_URL", "mysql://u@h/db", r"must be a sqlite:// or postgresql\+psycopg:// URL"),
    ("DATABASE_URL", "oracle://h", r"must be a sqlite:// or postgresql\+psycopg:// URL"),
    ("SECRET_KEY", "short", "at least 32 characters"),
    ("TIMEZONE", "Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
    ("PRODUCTION", "perhaps", "production"),
])
def test_bad_values_are_refused(monkeypatch, name, value, message):
    monkeypatch.setenv(f"SHAILOO_{name}", value)
    with pytest.raises(ValidationError, match=message):
        get_settings()


def test_production_needs_a_real_secret_key(monkeypatch):
    monkeypatch.setenv("SHAILOO_PRODUCTION", "1")
    with pytest.raises(ConfigError, match="SHAILOO_SECRET_KEY must be set"):
        get_settings()
    monkeypatch.setenv("SHAILOO_SECRET_KEY", KEY)
    monkeypatch.setenv("SHAILOO_BIOMETRIC_KEY", "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=")
    get_settings.cache_clear()
    assert get_settings().production is True


def test_settings_are_frozen():
    with pytest.raises(ValidationError):
        Settings().default_language = "en"


def test_production_refuses_the_development_biometric_key(monkeypatch):
    monkeypatch.setenv("SHAILOO_SECRET_KEY", KEY)
    monkeypatch.setenv("SHAILOO_PRODUCTION", "true")
    with pytest.raises(ConfigError) as exc:
        get_settings()
    assert exc.value.code == "config.insecure_biometric_key"


def test_the_biometric_key_is_32_bytes_of_base64(monkeypatch):
    monkeypatch.setenv("SHAILOO_BIOMETRIC_KEY", "c2hvcnQ=")
    with pytest.raises(ValidationError):
        get_settings()

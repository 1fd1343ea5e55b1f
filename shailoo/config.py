"""Settings: one place, read from ``SHAILOO_*`` environment variables and validated at start."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shailoo.errors import ConfigError

Language = Literal["ky", "ru", "en"]
LANGUAGES: tuple[Language, ...] = ("ky", "ru", "en")
DEV_SECRET_KEY = "dev-only-secret-key-change-me-0123456789"
DEV_BIOMETRIC_KEY = "ZGV2LW9ubHktYmlvbWV0cmljLWtleS0zMi1ieXRlcyE="  # base64 of 32 bytes


class Settings(BaseSettings):
    """Runtime settings. Every field is documented in docs/reference/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="SHAILOO_", extra="ignore", frozen=True)

    database_url: str = Field(
        default="sqlite:///shailoo.db",
        description="SQLAlchemy URL of the database (SQLite file or postgresql+psycopg://...).",
    )
    secret_key: str = Field(
        default=DEV_SECRET_KEY,
        min_length=32,
        description="Key that signs session cookies; at least 32 characters.",
    )
    default_language: Language = Field(
        default="ru", description="Language of pages for visitors who have not chosen one."
    )
    timezone: str = Field(
        default="Asia/Bishkek", description="Time zone in which times are shown on screen."
    )
    lookup_rate_per_minute: int = Field(
        default=30,
        ge=1,
        description="Public \"where do I vote\" lookups allowed per client address and minute.",
    )
    biometric_key: str = Field(
        default=DEV_BIOMETRIC_KEY,
        description="AES-256-GCM key that encrypts biometric templates at rest: 32 bytes in "
                    "base64. Changing it makes stored templates unreadable; keep it apart from "
                    "the database backups.",
    )
    production: bool = Field(
        default=False,
        description="Refuse to start with the development secret key when true.",
    )

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg"):
            raise ValueError("must be a sqlite:// or postgresql+psycopg:// URL")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("biometric_key")
    @classmethod
    def _aes_key(cls, value: str) -> str:
        import base64
        import binascii

        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("must be base64") from exc
        if len(raw) != 32:
            raise ValueError("must be 32 bytes (AES-256) in base64")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    def check_production(self) -> None:
        """Raise when a production deployment still uses the development secret key."""
        if self.production and self.secret_key == DEV_SECRET_KEY:
            raise ConfigError("config.insecure_secret_key",
                              "SHAILOO_SECRET_KEY must be set when SHAILOO_PRODUCTION is true")
        if self.production and self.biometric_key == DEV_BIOMETRIC_KEY:
            raise ConfigError("config.insecure_biometric_key",
                              "SHAILOO_BIOMETRIC_KEY must be set when SHAILOO_PRODUCTION is true")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read once."""
    settings = Settings()
    settings.check_production()
    return settings

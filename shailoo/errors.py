"""One error hierarchy. Every error has a stable dotted code and a readable message.

The web layer maps the kinds to HTTP statuses and the CLI to exit codes, in one place each.
"""

from __future__ import annotations

from typing import Any


class ShailooError(Exception):
    """Base of every error the system raises on purpose."""

    http_status = 400
    exit_code = 1

    def __init__(self, code: str, message: str, /, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """JSON body of the error."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class NotFound(ShailooError):
    """The named record does not exist."""

    http_status = 404
    exit_code = 4


class Conflict(ShailooError):
    """The change clashes with what is stored (a duplicate, a stale version)."""

    http_status = 409
    exit_code = 5


class RuleViolation(ShailooError):
    """Input is well-formed but a rule of the law or of the configuration forbids it."""

    http_status = 422
    exit_code = 6


class InvalidInput(ShailooError):
    """Input is malformed: a field is missing, of the wrong type or out of range."""

    http_status = 422
    exit_code = 2


class Unauthenticated(ShailooError):
    """No valid credentials were presented."""

    http_status = 401
    exit_code = 7


class Forbidden(ShailooError):
    """The actor is known but may not do this, or not in this territory."""

    http_status = 403
    exit_code = 8


class MigrationsPending(ShailooError):
    """The database schema is behind the code."""

    http_status = 503
    exit_code = 9


class ConfigError(ShailooError):
    """A setting is missing or unsafe for this deployment."""

    http_status = 500
    exit_code = 3

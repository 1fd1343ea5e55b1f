"""Input and output shapes of users and tokens."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shailoo.auth.rules import Role
from shailoo.types import ScopeKind


class TokenRequest(BaseModel):
    """Credentials exchanged for an API token."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=500)
    name: str = Field(default="api", max_length=100)


class UserCreate(BaseModel):
    """A user to create."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    username: str = Field(min_length=1, max_length=100)
    full_name: str = Field(default="", max_length=300)
    password: str = Field(min_length=1, max_length=500)
    role: Role
    scope_kind: ScopeKind = ScopeKind.NATION
    scope_code: str | None = None


class UserOut(BaseModel):
    """A user as shown to administrators and to themselves."""

    id: int
    username: str
    full_name: str
    role: Role
    scope: str

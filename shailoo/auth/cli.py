"""`shailoo users ...`: create and list users, issue API tokens."""

from __future__ import annotations

import os

import typer

from shailoo.auth import service
from shailoo.auth.rules import Role, Scope
from shailoo.errors import InvalidInput
from shailoo.runtime import cli_actor, cli_session, handle_errors
from shailoo.types import ScopeKind

app = typer.Typer(help="Users, roles, scopes and API tokens.", no_args_is_help=True)

SCOPE_OF_ROLE = {Role.TEC_MEMBER: ScopeKind.TERRITORIAL, Role.DEC_MEMBER: ScopeKind.DISTRICT,
                 Role.PEC_MEMBER: ScopeKind.STATION}


def parse_scope(role: Role, scope: str | None) -> Scope:
    """`KIND:CODE`, a bare CODE (its kind taken from the role), or nothing for the nation."""
    if not scope or scope == "nation":
        return Scope(ScopeKind.NATION)
    if ":" in scope:
        kind, code = scope.split(":", 1)
        try:
            return Scope(ScopeKind(kind), code)
        except ValueError:
            raise InvalidInput("auth.invalid_scope", f"unknown scope kind {kind!r}") from None
    if role in SCOPE_OF_ROLE:
        return Scope(SCOPE_OF_ROLE[role], scope)
    raise InvalidInput("auth.invalid_scope",
                       f"say which kind of scope {scope!r} is, e.g. tec:{scope} or station:{scope}")


@app.command("create")
@handle_errors
def create(
    username: str = typer.Option(...),
    role: Role = typer.Option(..., help="cec_admin, tec_member, dec_member, pec_member, "
                                        "biometric_operator, party_finance_officer, observer"),
    scope: str | None = typer.Option(None, help="CODE, or KIND:CODE (region, tec, district, "
                                                "station); none for the nation"),
    full_name: str = typer.Option("", help="the person's name"),
    password: str | None = typer.Option(None, help="else SHAILOO_NEW_PASSWORD or a prompt"),
) -> None:
    """Create a user with a role and a territorial scope."""
    secret = password or os.environ.get("SHAILOO_NEW_PASSWORD") or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    with cli_session() as session:
        user = service.create_user(session, cli_actor(), username, full_name, secret, role,
                                   parse_scope(role, scope))
    typer.echo(f"{user.user_id}\t{user.username}\t{user.role.value}\t{user.scope}")


@app.command("list")
@handle_errors
def list_() -> None:
    """List users: id, username, role, scope, name."""
    with cli_session() as session:
        for u in service.list_users(session):
            typer.echo(f"{u.user_id}\t{u.username}\t{u.role.value}\t{u.scope}\t{u.full_name}")


@app.command("token")
@handle_errors
def token(username: str = typer.Argument(...),
          name: str = typer.Option("cli", help="what the token is for")) -> None:
    """Issue an API token for a user; it is printed once and stored only as a hash."""
    with cli_session() as session:
        principal = service.get_user(session, username)
        typer.echo(service.issue_token(session, principal, name))

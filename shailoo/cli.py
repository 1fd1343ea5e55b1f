"""The `shailoo` command: each domain adds its sub-command group here."""

from __future__ import annotations

import typer

from shailoo.audit.cli import app as audit_app
from shailoo.auth.cli import app as users_app
from shailoo.biometrics.cli import app as biometrics_app
from shailoo.config import get_settings
from shailoo.db import upgrade as db_upgrade
from shailoo.demo.cli import app as demo_app
from shailoo.elections.cli import app as elections_app
from shailoo.geography.cli import app as geography_app
from shailoo.polling.cli import app as polling_app
from shailoo.register.cli import app as register_app
from shailoo.results.cli import app as results_app
from shailoo.runtime import engine_for, ensure_schema_current, handle_errors

app = typer.Typer(help="shailoo: an open-source election management system.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(elections_app, name="elections")
app.add_typer(geography_app, name="geography")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(results_app, name="results")
app.add_typer(register_app, name="register")
app.add_typer(polling_app, name="polling")
app.add_typer(biometrics_app, name="biometrics")


@db_app.command("upgrade")
@handle_errors
def upgrade(revision: str = typer.Argument("head", help="target revision")) -> None:
    """Apply database migrations (to the latest by default)."""
    url = get_settings().database_url
    db_upgrade(url, revision)
    typer.echo(f"database is at revision {revision}")


@db_app.command("check")
@handle_errors
def check() -> None:
    """Exit non-zero when migrations are pending."""
    ensure_schema_current(engine_for(get_settings().database_url))
    typer.echo("database schema is current")


@app.command("serve")
@handle_errors
def serve(host: str = typer.Option("127.0.0.1", help="address to listen on"),
          port: int = typer.Option(8000, help="port to listen on"),
          workers: int = typer.Option(1, min=1, help="worker processes")) -> None:
    """Serve the web UI and API; refuses a database with pending migrations."""
    import uvicorn

    ensure_schema_current(engine_for(get_settings().database_url))
    typer.echo(f"serving on http://{host}:{port}")
    uvicorn.run("shailoo.web.app:create_server_app", factory=True, host=host, port=port,
                workers=workers, log_level="info")


def main() -> None:
    """Entry point of the `shailoo` console script."""
    app()

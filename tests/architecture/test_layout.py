"""The architecture, checked by machine: import contracts, one commit site, no reaching into
another domain's tables, every write route authorised, migrations in step with the models."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from shailoo.config import Settings
from shailoo.models import Base
from shailoo.web.app import create_app
from shailoo.web.deps import is_guard_dependency
from tests.routes import app_routes

PACKAGE = Path(__file__).parents[2] / "shailoo"
DOMAINS = sorted(p.parent.name for p in PACKAGE.glob("*/models.py"))


def _modules() -> list[tuple[str, ast.Module]]:
    return [(str(path.relative_to(PACKAGE.parent)), ast.parse(path.read_text(), str(path)))
            for path in PACKAGE.rglob("*.py")]


def test_import_contracts_hold():
    command = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(command), "--no-cache"], cwd=PACKAGE.parent,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:]


def test_only_unit_of_work_commits():
    offenders = []
    for name, tree in _modules():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "commit" and name != "shailoo/db.py"):
                offenders.append(f"{name}:{node.lineno}")
    assert offenders == []


def test_no_domain_imports_another_domains_models():
    offenders = []
    for name, tree in _modules():
        parts = name.removesuffix(".py").split("/")
        own = parts[1] if len(parts) > 2 else None
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for target in targets:
                bits = target.split(".")
                if (len(bits) >= 3 and bits[0] == "shailoo" and bits[1] in DOMAINS
                        and bits[2] == "models" and bits[1] != own
                        and name not in ("shailoo/models.py",)):
                    offenders.append(f"{name}:{node.lineno} imports {target}")
    assert offenders == []


def test_every_write_route_is_authorised():
    app = create_app(Settings(database_url="sqlite://"), session_factory=lambda: None)
    exempt = {("POST", "/api/auth/token"), ("POST", "/login"), ("POST", "/logout"),
              # the public "where do I vote" lookups: read-only, rate-limited per client
              ("POST", "/where"), ("POST", "/api/register/lookup"),
              ("POST", "/api/register/lookup.txt")}
    unguarded = []
    routes = list(app_routes(app))
    assert len(routes) > 80  # included routers are walked, not skipped
    for method, path, dependant in routes:
        if method != "GET":
            guarded = any(is_guard_dependency(d.call) for d in dependant.dependencies)
            if not guarded and (method, path) not in exempt:
                unguarded.append(f"{method} {path}")
    assert unguarded == []


def test_rules_modules_do_not_touch_the_database():
    for domain in DOMAINS:
        rules = PACKAGE / domain / "rules.py"
        if rules.exists():
            source = rules.read_text()
            assert "sqlalchemy" not in source and "Session" not in source, domain


def test_migrations_match_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_domain_has_its_tests(domain):
    assert (Path(__file__).parents[1] / domain).is_dir(), f"tests/{domain}/ is missing"

"""Docs that cannot drift: every setting, CLI command and error code is documented."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import typer

from shailoo.cli import app
from shailoo.config import Settings

ROOT = Path(__file__).parents[2]
REFERENCE = ROOT / "docs" / "reference"
ERROR_CLASSES = {"ShailooError", "NotFound", "Conflict", "RuleViolation", "InvalidInput",
                 "Unauthenticated", "Forbidden", "MigrationsPending"}
CODE = re.compile(r"^[a-z_0-9]+\.[a-z_0-9.]+$")


def command_paths() -> list[str]:
    """Every command of the CLI as 'shailoo group command'."""
    root = typer.main.get_command(app)
    paths: list[str] = []

    def walk(command: object, prefix: str) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, f"{prefix} {name}")
        else:
            paths.append(prefix)

    walk(root, "shailoo")
    return paths


def error_codes() -> set[str]:
    """Every stable error code raised in the package."""
    codes: set[str] = set()
    for path in (ROOT / "shailoo").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else (
                func.attr if isinstance(func, ast.Attribute) else "")
            if (name in ERROR_CLASSES or name == "__init__") and CODE.match(first.value):
                codes.add(first.value)
    web = (ROOT / "shailoo" / "web" / "app.py").read_text()
    codes |= set(re.findall(r'"((?:http|request)\.[a-z_]+)"', web))
    return codes


def test_every_setting_is_documented():
    text = (REFERENCE / "configuration.md").read_text()
    missing = [f"SHAILOO_{name.upper()}" for name in Settings.model_fields
               if f"SHAILOO_{name.upper()}" not in text]
    assert missing == []


def test_every_cli_command_is_documented():
    text = (REFERENCE / "cli.md").read_text()
    paths = command_paths()
    assert "shailoo db upgrade" in paths and "shailoo audit verify" in paths
    missing = [p for p in paths if f"`{p}" not in text]
    assert missing == []


def test_every_error_code_is_documented():
    text = (REFERENCE / "errors.md").read_text()
    codes = error_codes()
    assert {"auth.out_of_scope", "import.rejected", "elections.transition_forbidden"} <= codes
    missing = sorted(c for c in codes if f"`{c}`" not in text)
    assert missing == []

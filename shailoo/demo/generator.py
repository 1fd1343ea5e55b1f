"""Run every registered demo step against an empty, migrated database."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from shailoo.db import unit_of_work
from shailoo.demo.registry import DemoContext, ordered_steps
from shailoo.errors import Conflict, InvalidInput
from shailoo.geography import service as geography

# Each domain that contributes to the demo has a ``demo`` module with ``@demo_step``s.
DEMO_MODULES = ("shailoo.geography.demo", "shailoo.candidates.demo", "shailoo.elections.demo",
                "shailoo.auth.demo", "shailoo.polling.demo", "shailoo.register.demo",
                "shailoo.biometrics.demo")


def load_steps() -> None:
    """Import every domain's demo module so that its steps register."""
    for module in DEMO_MODULES:
        importlib.import_module(module)


def generate(session: Session, voters: int, seed: int, today: date,
             log: Callable[[str], None] = print) -> DemoContext:
    """Build the demo country in one transaction (all or nothing); refuse a non-empty one."""
    if voters < 1000:
        raise InvalidInput("demo.too_few_voters", "the demo needs at least 1,000 voters")
    load_steps()
    if geography.public_regions_overview(session):
        raise Conflict("demo.not_empty", "the database already holds a country; "
                                         "use a new database for the demo")
    ctx = DemoContext(session=session, seed=seed, voters=voters, today=today, log=log)
    with unit_of_work(session):
        for step in ordered_steps():
            step.run(ctx)
    return ctx

"""The generator's one entry point for domains: register a step with ``@demo_step``.

A step receives the shared :class:`DemoContext` (session, seeded RNG, sizes, and what earlier
steps produced) and calls its own domain's service. Steps run in ``order``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session


@dataclass
class DemoContext:
    """Everything a step needs; ``produced`` carries results from step to step."""

    session: Session
    seed: int
    voters: int
    today: date
    actor: str = "demo:generator"
    produced: dict[str, Any] = field(default_factory=dict)
    log: Callable[[str], None] = print

    def rng(self, step: str) -> random.Random:
        """A random generator for one step, derived from the seed and the step's name, so
        that adding a step does not change what the others generate."""
        return random.Random(f"{self.seed}:{step}")


StepFn = Callable[[DemoContext], None]


@dataclass(frozen=True)
class DemoStep:
    """A named, ordered generation step."""

    name: str
    order: int
    run: StepFn


STEPS: dict[str, DemoStep] = {}


def demo_step(name: str, order: int) -> Callable[[StepFn], StepFn]:
    """Register ``func`` as a generation step (lower ``order`` runs first)."""

    def register(func: StepFn) -> StepFn:
        STEPS[name] = DemoStep(name, order, func)
        return func

    return register


def ordered_steps() -> list[DemoStep]:
    """Registered steps in running order."""
    return sorted(STEPS.values(), key=lambda s: (s.order, s.name))

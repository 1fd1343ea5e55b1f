"""Demo step: every demo voter enrolled with a synthetic fingerprint."""

from __future__ import annotations

from shailoo.biometrics.enrolment_demo import enrol_demo
from shailoo.demo.registry import DemoContext, demo_step


@demo_step("biometrics", order=70)
def generate_biometrics(ctx: DemoContext) -> None:
    """Every demo voter's synthetic fingerprint, with planted duplicates."""
    done = enrol_demo(ctx.session, ctx.actor, ctx.seed, ctx.log)
    ctx.produced["biometric_duplicates"] = done.planted

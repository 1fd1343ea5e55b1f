"""Demo step: the demo administrator and a few users with territorial scopes."""

from __future__ import annotations

from shailoo.auth import service
from shailoo.auth.rules import Role, Scope
from shailoo.demo.names import person
from shailoo.demo.registry import DemoContext, demo_step
from shailoo.geography import service as geography
from shailoo.types import ScopeKind

DEMO_ADMIN = "admin"
DEMO_PASSWORD = "shailoo-demo-2026"


@demo_step("users", order=40)
def generate_users(ctx: DemoContext) -> None:
    """An administrator, a member of one commission per region, a station member, an observer."""
    rng = ctx.rng("users")
    service.create_user(ctx.session, ctx.actor, DEMO_ADMIN, person(rng).full_name,
                        DEMO_PASSWORD, Role.CEC_ADMIN, Scope(ScopeKind.NATION))
    commissions = geography.public_list_commissions(ctx.session, abroad=False)
    seen_regions: set[str | None] = set()
    for c in commissions:
        if c.region in seen_regions:
            continue
        seen_regions.add(c.region)
        service.create_user(ctx.session, ctx.actor, f"tec-{c.code.lower()}",
                            person(rng).full_name, DEMO_PASSWORD, Role.TEC_MEMBER,
                            Scope(ScopeKind.TERRITORIAL, c.code))
    first = geography.public_list_stations(ctx.session, limit=1)
    if first:
        service.create_user(ctx.session, ctx.actor, f"pec-{first[0].code}",
                            person(rng).full_name, DEMO_PASSWORD, Role.PEC_MEMBER,
                            Scope(ScopeKind.STATION, first[0].code))
    service.create_user(ctx.session, ctx.actor, "observer", person(rng).full_name,
                        DEMO_PASSWORD, Role.OBSERVER, Scope(ScopeKind.NATION))
    ctx.produced["admin"] = (DEMO_ADMIN, DEMO_PASSWORD)
    ctx.log(f"users: {DEMO_ADMIN} and {len(seen_regions) + 2} others, password "
            f"{DEMO_PASSWORD!r}")

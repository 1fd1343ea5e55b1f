"""Roles, permissions and territorial scope as pure rules."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shailoo.types import GeoPath, ScopeKind


class Role(StrEnum):
    """What a user is."""

    CEC_ADMIN = "cec_admin"
    TEC_MEMBER = "tec_member"
    DEC_MEMBER = "dec_member"
    PEC_MEMBER = "pec_member"
    BIOMETRIC_OPERATOR = "biometric_operator"
    PARTY_FINANCE_OFFICER = "party_finance_officer"
    OBSERVER = "observer"
    VOTER_PORTAL = "voter_portal"  # the state portal's service account (online Form No. 2)


class Permission(StrEnum):
    """What a user may do (where is the scope's business)."""

    USERS_MANAGE = "users.manage"
    AUDIT_READ = "audit.read"
    GEOGRAPHY_IMPORT = "geography.import"
    STATIONS_EDIT = "geography.stations.edit"
    ELECTIONS_MANAGE = "elections.manage"
    TOKENS_OWN = "auth.tokens.own"
    RESULTS_SUBMIT = "results.submit"
    RESULTS_SUPERVISE = "results.supervise"
    RESULTS_CONFIGURE = "results.configure"
    DEVICES_MANAGE = "polling.devices.manage"
    POLLING_IDENTIFY = "polling.identify"  # held by no role: identification devices sign
    POLLING_REPORT = "polling.report"  # station reports: opened, turnout, closed
    POLLING_MANAGE = "polling.manage"  # operators, polling-day settings
    POLLING_CASES = "polling.cases"  # reconciliation cases of a commission's stations
    REGISTER_READ = "register.read"
    REGISTER_IMPORT = "register.import"
    REGISTER_MANAGE = "register.manage"
    REGISTER_CHANGES = "register.changes"
    REGISTER_ADDITIONAL = "register.additional"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CEC_ADMIN: frozenset(Permission) - {Permission.POLLING_IDENTIFY},
    Role.TEC_MEMBER: frozenset({Permission.STATIONS_EDIT, Permission.TOKENS_OWN,
                                Permission.RESULTS_SUBMIT, Permission.RESULTS_SUPERVISE,
                                Permission.POLLING_REPORT, Permission.POLLING_CASES,
                                Permission.REGISTER_READ, Permission.REGISTER_CHANGES,
                                Permission.REGISTER_ADDITIONAL}),
    Role.DEC_MEMBER: frozenset({Permission.STATIONS_EDIT, Permission.TOKENS_OWN,
                                Permission.RESULTS_SUBMIT, Permission.REGISTER_READ}),
    Role.PEC_MEMBER: frozenset({Permission.TOKENS_OWN, Permission.RESULTS_SUBMIT,
                                Permission.POLLING_REPORT,
                                Permission.REGISTER_READ, Permission.REGISTER_CHANGES,
                                Permission.REGISTER_ADDITIONAL}),
    Role.BIOMETRIC_OPERATOR: frozenset({Permission.TOKENS_OWN}),
    Role.PARTY_FINANCE_OFFICER: frozenset({Permission.TOKENS_OWN}),
    Role.OBSERVER: frozenset({Permission.TOKENS_OWN}),
    Role.VOTER_PORTAL: frozenset({Permission.TOKENS_OWN, Permission.REGISTER_CHANGES}),
}

ROLE_SCOPES: dict[Role, frozenset[ScopeKind]] = {
    Role.CEC_ADMIN: frozenset({ScopeKind.NATION}),
    Role.TEC_MEMBER: frozenset({ScopeKind.TERRITORIAL}),
    Role.DEC_MEMBER: frozenset({ScopeKind.DISTRICT}),
    Role.PEC_MEMBER: frozenset({ScopeKind.STATION}),
    Role.BIOMETRIC_OPERATOR: frozenset({ScopeKind.STATION, ScopeKind.TERRITORIAL}),
    Role.PARTY_FINANCE_OFFICER: frozenset({ScopeKind.NATION}),
    Role.OBSERVER: frozenset(ScopeKind),
    Role.VOTER_PORTAL: frozenset({ScopeKind.NATION}),
}


@dataclass(frozen=True)
class Scope:
    """The territory a user acts in: the nation, or one region, commission, district or station."""

    kind: ScopeKind
    code: str | None = None

    def __str__(self) -> str:
        return self.kind.value if self.code is None else f"{self.kind.value}:{self.code}"


def scope_error(role: Role, scope: Scope) -> str | None:
    """Why a role cannot hold this scope, or None."""
    if scope.kind not in ROLE_SCOPES[role]:
        kinds = ", ".join(sorted(k.value for k in ROLE_SCOPES[role]))
        return f"a {role.value} acts in a scope of kind {kinds}, not {scope.kind.value}"
    if scope.kind is ScopeKind.NATION and scope.code is not None:
        return "the nation scope takes no code"
    if scope.kind is not ScopeKind.NATION and not scope.code:
        return f"a {scope.kind.value} scope needs a code"
    return None


def scope_covers(scope: Scope, target: GeoPath | None) -> bool:
    """True when ``target`` lies inside ``scope``; None means a nationwide action."""
    if scope.kind is ScopeKind.NATION:
        return True
    if target is None:
        return False
    if scope.kind is ScopeKind.REGION:
        return target.region_code == scope.code
    if scope.kind is ScopeKind.TERRITORIAL:
        return target.tec_code == scope.code
    if scope.kind is ScopeKind.STATION:
        return target.station_code == scope.code
    if scope.kind is ScopeKind.DISTRICT:
        return scope.code is not None and scope.code.isdigit() and int(
            scope.code) in target.district_ids
    return False


def permission_denied(role: Role, permission: Permission) -> bool:
    """True when the role does not carry the permission."""
    return permission not in ROLE_PERMISSIONS[role]

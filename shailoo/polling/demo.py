"""Demo step: a ballot scanner and an identification device registered at every station,
with keys derived from the seed so that simulators can sign as each device."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shailoo.demo.names import person
from shailoo.demo.registry import DemoContext, demo_step
from shailoo.geography import service as geography
from shailoo.polling import service
from shailoo.polling.signing import public_key_hex


def demo_device_key(seed: int, station: str) -> Ed25519PrivateKey:
    """The demo scanner's private key at a station (demo only: derived, not secret)."""
    return Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(f"shailoo-demo:{seed}:{station}".encode()).digest())


def demo_device_id(station: str) -> str:
    """The demo scanner's id at a station."""
    return f"abb-{station}"


def demo_identifier_key(seed: int, station: str) -> Ed25519PrivateKey:
    """The demo identification device's private key at a station (derived, not secret)."""
    return Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(f"shailoo-demo-id:{seed}:{station}".encode()).digest())


def demo_identifier_id(station: str) -> str:
    """The demo identification device's id at a station."""
    return f"idd-{station}"


def demo_operator_id(station: str) -> str:
    """The demo's certified operator on duty at a station's identification device."""
    return f"op-{station}"


@demo_step("devices", order=50)
def generate_devices(ctx: DemoContext) -> None:
    """One ballot scanner and one identification device per station, with a certified
    operator on duty at each identification device."""
    stations = geography.public_list_stations(ctx.session)
    rng = ctx.rng("operators")
    for s in stations:
        service.register_device(ctx.session, ctx.actor, demo_device_id(s.code), "scanner",
                                s.code, public_key_hex(demo_device_key(ctx.seed, s.code)))
        service.register_device(ctx.session, ctx.actor, demo_identifier_id(s.code),
                                "identification", s.code,
                                public_key_hex(demo_identifier_key(ctx.seed, s.code)))
        service.save_operator(ctx.session, ctx.actor, demo_operator_id(s.code),
                              person(rng).full_name, certified=True)
        service.put_on_duty(ctx.session, ctx.actor, demo_identifier_id(s.code),
                            demo_operator_id(s.code))
    ctx.log(f"devices: {len(stations)} ballot scanners and {len(stations)} identification "
            f"devices registered, a certified operator on duty at each")

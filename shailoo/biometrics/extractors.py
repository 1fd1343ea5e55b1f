"""Feature extractors as plug-ins: an image or a vendor template in, a fixed-length unit
vector out. Capture devices and their extractors come from vendors; this module holds the
small interface they implement and the two shipped with the system:

- ``float32``: a vendor template that already is a float32 feature vector (little-endian);
- ``synthetic``: for tests and the demo, a capture of a synthetic person (the model of
  ``synthetic.py``: a latent identity per person, noise growing as quality falls).

Other extractors register under the ``shailoo.extractors`` entry-point group of their
package and are found by name.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Protocol

import numpy as np
import numpy.typing as npt

from shailoo.biometrics import synthetic
from shailoo.errors import InvalidInput

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Sample:
    """What a capture device gives: the modality, its bytes (image or vendor template) and
    the quality it measured (0..1), if any."""

    modality: str
    data: bytes
    quality: float | None = None


@dataclass(frozen=True)
class Features:
    """An extractor's output: a unit-length float32 vector and the capture's quality."""

    vector: F32
    quality: float


class Extractor(Protocol):
    """The plug-in interface: a name, the vector length, and ``extract``."""

    @property
    def name(self) -> str:
        """The name devices and settings use."""
        ...

    @property
    def dim(self) -> int:
        """The length of the vectors it makes."""
        ...

    def extract(self, sample: Sample) -> Features:
        """The features of one sample; InvalidInput when the sample cannot be read."""
        ...


def _unit(vector: F32, what: str) -> F32:
    norm = float(np.linalg.norm(vector))
    if not np.isfinite(vector).all() or norm == 0.0:
        raise InvalidInput("biometrics.bad_sample", f"{what}: not a usable feature vector")
    return (vector / norm).astype(np.float32)


def _quality(sample: Sample) -> float:
    if sample.quality is None:
        return 1.0
    if not 0.0 <= sample.quality <= 1.0:
        raise InvalidInput("biometrics.bad_sample", "quality must be between 0 and 1")
    return float(sample.quality)


@dataclass(frozen=True)
class Float32Extractor:
    """A vendor template that is already a float32 vector of ``dim`` values."""

    name: str = "float32"
    dim: int = synthetic.DIM

    def extract(self, sample: Sample) -> Features:
        """Read and normalise the vector."""
        if len(sample.data) != 4 * self.dim:
            raise InvalidInput("biometrics.bad_sample",
                               f"a float32 template has {4 * self.dim} bytes, not "
                               f"{len(sample.data)}")
        vector = np.frombuffer(sample.data, dtype="<f4").astype(np.float32)
        return Features(_unit(vector, "float32 template"), _quality(sample))


def latent_identity(identity: str, dim: int = synthetic.DIM) -> F32:
    """The latent identity of a synthetic person named ``identity`` (deterministic)."""
    seed = int.from_bytes(hashlib.sha256(f"latent:{identity}".encode()).digest()[:8], "big")
    return synthetic.random_identities(1, np.random.default_rng(seed), dim)


def synthetic_sample(modality: str, identity: str, capture: str, quality: float) -> Sample:
    """A synthetic device's sample: capture ``capture`` of person ``identity``."""
    body = json.dumps({"identity": identity, "capture": capture}).encode()
    return Sample(modality, body, quality)


@dataclass(frozen=True)
class SyntheticExtractor:
    """Captures of synthetic persons: JSON ``{"identity": ..., "capture": ...}``; the noise
    follows the sample's quality (the model of ``synthetic.py``); each modality of a person
    has its own latent identity."""

    name: str = "synthetic"
    dim: int = synthetic.DIM

    def extract(self, sample: Sample) -> Features:
        """The capture's vector (deterministic in identity, capture and quality)."""
        try:
            body = json.loads(sample.data)
            identity, capture = str(body["identity"]), str(body["capture"])
        except (ValueError, KeyError, TypeError):
            raise InvalidInput("biometrics.bad_sample",
                               "a synthetic sample is JSON with identity and capture") from None
        quality = _quality(sample)
        latent = latent_identity(f"{identity}:{sample.modality}", self.dim)
        seed = int.from_bytes(hashlib.sha256(
            f"capture:{identity}:{sample.modality}:{capture}".encode()).digest()[:8], "big")
        vector = synthetic.capture(latent, np.array([quality]), np.random.default_rng(seed))[0]
        return Features(vector, quality)


BUILT_IN: dict[str, Extractor] = {"float32": Float32Extractor(),
                                  "synthetic": SyntheticExtractor()}


def get_extractor(name: str) -> Extractor:
    """The extractor of this name: built in, or a plug-in's ``shailoo.extractors`` entry
    point (a class or factory called without arguments)."""
    if name in BUILT_IN:
        return BUILT_IN[name]
    for point in entry_points(group="shailoo.extractors"):
        if point.name == name:
            made: Extractor = point.load()()
            return made
    raise InvalidInput("biometrics.unknown_extractor", f"no feature extractor {name!r}")

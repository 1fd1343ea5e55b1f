"""Biometric tables: the subjects (a random reference id per person: the only link between
templates and PINs), their encrypted templates, and de-duplication runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from shailoo.db import Base, UtcDateTime


class Subject(Base):
    """A person enrolled with biometrics, known to the matcher only by ``ref_id``."""

    __tablename__ = "biometric_subjects"

    ref_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    pin: Mapped[str] = mapped_column(String(20), unique=True)
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Template(Base):
    """One modality of a subject (finger 1-10, face): a fixed-length feature vector,
    encrypted with AES-256-GCM (the row's reference id and modality are authenticated with
    it), with its quality, capture device and time."""

    __tablename__ = "biometric_templates"
    __table_args__ = (Index("uq_biometric_templates_subject_modality", "ref_id", "modality",
                            unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref_id: Mapped[str] = mapped_column(ForeignKey("biometric_subjects.ref_id"))
    modality: Mapped[str] = mapped_column(String(10), index=True)
    extractor: Mapped[str] = mapped_column(String(40))
    dim: Mapped[int] = mapped_column(Integer)
    quality: Mapped[float] = mapped_column(Float)
    device: Mapped[str] = mapped_column(String(60))
    captured_at: Mapped[datetime] = mapped_column(UtcDateTime())
    key_id: Mapped[str] = mapped_column(String(16))
    nonce: Mapped[bytes] = mapped_column(LargeBinary(12))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    enrolled_by: Mapped[str] = mapped_column(String(200))


class DedupRun(Base):
    """One national de-duplication pass: how, over how many templates, what it found."""

    __tablename__ = "biometric_dedup_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    modality: Mapped[str] = mapped_column(String(10))
    mode: Mapped[str] = mapped_column(String(20))
    templates: Mapped[int] = mapped_column(Integer)
    upto_template_id: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[float] = mapped_column(Float)
    pairs: Mapped[int] = mapped_column(Integer)
    new_cases: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime())

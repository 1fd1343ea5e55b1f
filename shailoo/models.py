"""Imports every domain's tables so that Base.metadata is complete (for Alembic and tests)."""

from shailoo.audit import models as audit_models
from shailoo.auth import models as auth_models
from shailoo.biometrics import models as biometrics_models
from shailoo.candidates import models as candidates_models
from shailoo.db import Base
from shailoo.elections import models as elections_models
from shailoo.geography import models as geography_models
from shailoo.polling import models as polling_models
from shailoo.register import models as register_models
from shailoo.results import models as results_models

__all__ = ["Base", "audit_models", "auth_models", "biometrics_models", "candidates_models",
           "elections_models", "geography_models", "polling_models", "register_models",
           "results_models"]

"""Every router of every domain, included in one place."""

from __future__ import annotations

from fastapi import FastAPI

from shailoo.audit import api as audit_api
from shailoo.auth import api as auth_api
from shailoo.auth import pages as auth_pages
from shailoo.biometrics import api as biometrics_api
from shailoo.candidates import api as candidates_api
from shailoo.elections import api as elections_api
from shailoo.elections import pages as elections_pages
from shailoo.geography import api as geography_api
from shailoo.geography import pages as geography_pages
from shailoo.polling import api as polling_api
from shailoo.polling import pages as polling_pages
from shailoo.register import api as register_api
from shailoo.register import pages as register_pages
from shailoo.results import api as results_api
from shailoo.results import pages as results_pages
from shailoo.web import pages as web_pages

# The election-night APIs come first: a request is matched against the routes in this order,
# and each route passed costs a regular-expression match (prefixes are disjoint, so the order
# changes nothing else).
ROUTERS = (results_api.router, polling_api.router, polling_api.polling_router,
           biometrics_api.router, web_pages.router, auth_pages.router, auth_api.router,
           audit_api.router, geography_pages.router, geography_api.router,
           elections_pages.router, elections_api.router, candidates_api.router,
           results_pages.router, polling_pages.router, register_api.router,
           register_pages.router)


def include_routers(app: FastAPI) -> None:
    """Attach every router to the app."""
    for router in ROUTERS:
        app.include_router(router)

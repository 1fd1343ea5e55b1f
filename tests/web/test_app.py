"""The server's app factory."""

from __future__ import annotations

import gc

from fastapi import FastAPI

from shailoo.web import app as web_app


def test_the_server_factory_freezes_what_starting_allocated(monkeypatch):
    built = FastAPI()
    monkeypatch.setattr(web_app, "create_app", lambda: built)
    gc.unfreeze()
    try:
        assert web_app.create_server_app() is built
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()

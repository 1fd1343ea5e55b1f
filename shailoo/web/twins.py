"""Machine-readable twins of public pages: the same service call as JSON or CSV."""

from __future__ import annotations

import io
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from shailoo.errors import NotFound
from shailoo.kit.importing import write_csv


class TwinFormat(StrEnum):
    """Formats every public page is also offered in."""

    JSON = "json"
    CSV = "csv"


def parse_format(fmt: str) -> TwinFormat:
    """A twin format from a path suffix."""
    try:
        return TwinFormat(fmt)
    except ValueError:
        raise NotFound("web.unknown_format", f"no .{fmt} version of this page; use .json or .csv",
                       format=fmt) from None


def _plain(value: Any) -> Any:
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


def twin(fmt: str, payload: Any, rows: Sequence[Any], header: list[str]) -> Response:
    """``payload`` as JSON, or ``rows`` (models or dicts) as UTF-8 CSV with ``header``."""
    if parse_format(fmt) is TwinFormat.JSON:
        return JSONResponse(_plain(payload) if not isinstance(payload, list) else [
            _plain(p) for p in payload])
    buffer = io.StringIO()
    dicts = [_plain(r) for r in rows]
    write_csv(buffer, header, ([d.get(h) for h in header] for d in dicts))
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8")

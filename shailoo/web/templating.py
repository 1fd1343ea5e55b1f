"""Server-rendered pages: one Jinja2 environment over the shared and the domains' templates."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from shailoo.config import LANGUAGES
from shailoo.web.i18n import LANGUAGE_NAMES, translations

PACKAGE = Path(__file__).parent.parent
DOMAIN_TEMPLATE_DIRS = sorted(p for p in PACKAGE.glob("*/templates") if p.parent.name != "web")
TEMPLATE_DIRS = [PACKAGE / "web" / "templates", *DOMAIN_TEMPLATE_DIRS]

environment = Environment(
    loader=ChoiceLoader([FileSystemLoader(str(d)) for d in TEMPLATE_DIRS]),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def localized(record: Any, field: str, language: str) -> str:
    """``record.<field>_<language>``, falling back to Russian, then English."""
    for lang in (language, "ru", "en"):
        value = getattr(record, f"{field}_{lang}", None) if not isinstance(record, dict) else (
            record.get(f"{field}_{lang}"))
        if value:
            return str(value)
    return ""


def render(request: Request, template: str, context: dict[str, Any],
           status_code: int = 200) -> HTMLResponse:
    """Render a page in the visitor's language."""
    language: str = request.state.language
    gettext = translations(language).gettext
    settings = request.app.state.settings
    zone = ZoneInfo(settings.timezone)

    def show_date(value: date) -> str:
        return format_date(value, format="long", locale=language)

    def show_time(value: datetime) -> str:
        return format_datetime(value.astimezone(zone), format="medium", locale=language)

    def show_number(value: int | float) -> str:
        return format_decimal(value, locale=language)

    html = environment.get_template(template).render(
        request=request, _=gettext, lang=language, languages=LANGUAGES,
        language_names=LANGUAGE_NAMES, principal=getattr(request.state, "principal", None),
        name=lambda record, field="name": localized(record, field, language),
        show_date=show_date, show_time=show_time, show_number=show_number, **context)
    return HTMLResponse(html, status_code=status_code)

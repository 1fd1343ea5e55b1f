"""Every translatable text of the pages has a Kyrgyz and a Russian translation."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from shailoo.web.i18n import catalogue_path

ROOT = Path(__file__).parents[2]


def _extracted_ids() -> set[str]:
    method_map = [("shailoo/web/labels.py", "python"), ("shailoo/**/templates/**.html", "jinja2")]
    found = extract_from_dir(str(ROOT), method_map, keywords={"_": None, "N_": None},
                             comment_tags=())
    return {message for _file, _line, message, _comments, _ctx in found if message}


@pytest.mark.parametrize("language", ["ky", "ru"])
def test_every_message_is_translated(language):
    with catalogue_path(language).open("rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id for m in catalogue if m.id and m.string}
    missing = sorted(_extracted_ids() - translated)
    assert missing == [], f"untranslated in {language}: {missing}"


def test_extraction_finds_the_page_texts():
    ids = _extracted_ids()
    assert {"Find a polling station", "Election calendar", "ordinary"} <= ids

"""A station's voter list as a printable PDF (A4 landscape, Cyrillic in DejaVu Sans)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT_DIR = Path(__file__).parent / "fonts"
WIDTHS = (12, 36, 50, 45, 50, 24, 60)  # No, PIN, surname, given name, patronymic, born, address


def list_pdf(title: str, subtitle: str, headers: tuple[str, ...],
             voters: list[dict[str, Any]], footer: str) -> bytes:
    """The list with a numbered row per voter, headers repeated on every page, and
    ``footer`` (for example the frozen list's SHA-256) on the last page."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(title)

    def header_row() -> None:
        pdf.set_font("DejaVu", "B", 8)
        for width, text in zip(WIDTHS, headers, strict=True):
            pdf.cell(width, 6, text, border=1)
        pdf.ln(6)
        pdf.set_font("DejaVu", "", 8)

    pdf.add_page()
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(0, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(0, 6, subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    header_row()
    for v in voters:
        if pdf.will_page_break(6):
            pdf.add_page()
            header_row()
        cells = (str(v["number"]), v["pin"], v["surname"], v["given_name"],
                 v["patronymic"] or "", v["birth_date"].isoformat(), v["address"])
        for width, text in zip(WIDTHS, cells, strict=True):
            pdf.cell(width, 6, _fit(pdf, text, width), border=1)
        pdf.ln(6)
    pdf.ln(4)
    pdf.multi_cell(0, 5, footer)
    return bytes(pdf.output())


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """Shorten ``text`` with an ellipsis until it fits the cell."""
    if pdf.get_string_width(text) <= width - 2:
        return text
    while text and pdf.get_string_width(text + "…") > width - 2:
        text = text[:-1]
    return text + "…"

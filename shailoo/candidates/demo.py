"""Demo step: registered parties with Kyrgyz, Russian and English names."""

from __future__ import annotations

from shailoo.candidates import service
from shailoo.candidates.schemas import PartyIn
from shailoo.demo.registry import DemoContext, demo_step

DEMO_PARTIES = (
    ("ala-too", "«Ала-Тоо» партиясы", "Партия «Ала-Тоо»", "Ala-Too Party"),
    ("yntymak-jolu", "«Ынтымак жолу»", "«Путь единства»", "Path of Unity"),
    ("jany-muun", "«Жаңы муун»", "«Новое поколение»", "New Generation"),
    ("oz-jerim", "«Өз жерим»", "«Моя земля»", "My Land"),
    ("adilettuuluk", "«Адилеттүүлүк»", "«Справедливость»", "Justice"),
    ("kelechek", "«Келечек»", "«Будущее»", "Future"),
    ("eldik-kenesh", "«Элдик кеңеш»", "«Народный совет»", "People's Council"),
    ("tabiyat", "«Табият»", "«Природа»", "Nature"),
    ("uluttuk-birimdik", "«Улуттук биримдик»", "«Национальное единство»", "National Unity"),
    ("erkin-el", "«Эркин эл»", "«Свободный народ»", "Free People"),
)


@demo_step("parties", order=20)
def generate_parties(ctx: DemoContext) -> None:
    """Register the demo parties."""
    for code, ky, ru, en in DEMO_PARTIES:
        service.register_party(ctx.session, ctx.actor,
                               PartyIn(code=code, name_ky=ky, name_ru=ru, name_en=en))
    ctx.log(f"parties: {len(DEMO_PARTIES)} registered")

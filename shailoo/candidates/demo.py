"""Demo step: registered parties with Kyrgyz, Russian and English names."""

from __future__ import annotations

from shailoo.candidates import service
from shailoo.candidates.schemas import ChoiceIn, ChoiceKind, PartyIn
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


@demo_step("ballots", order=35)
def generate_ballots(ctx: DemoContext) -> None:
    """Ballots: the parties on the list contest, three to five candidates in each district,
    "against all" last everywhere."""
    from shailoo.demo.names import person
    from shailoo.elections import service as elections

    rng = ctx.rng("ballots")
    election_id = ctx.produced.get("election_id")
    if election_id is None:
        return
    parties = service.public_list_parties(ctx.session)
    against = ChoiceIn(code="against_all", kind=ChoiceKind.AGAINST_ALL, name_ky="Баарына каршы",
                       name_ru="Против всех", name_en="Against all")
    order = rng.sample(parties, len(parties))  # the demo's stand-in for the ballot lottery
    for contest in elections.public_contests(ctx.session, election_id):
        if contest.district_id is None:
            choices = [ChoiceIn(code=p.code, kind=ChoiceKind.PARTY, name_ky=p.name_ky,
                                name_ru=p.name_ru, name_en=p.name_en, party_id=p.id)
                       for p in order]
        else:
            choices = []
            for i in range(rng.randint(3, 5)):
                who = person(rng)
                short = f"{who.surname} {who.given_name[0]}."
                choices.append(ChoiceIn(code=f"c{i + 1}", kind=ChoiceKind.CANDIDATE,
                                        name_ky=short, name_ru=short, name_en=short))
        service.set_ballot(ctx.session, ctx.actor, contest.id, [*choices, against])
    ctx.log("ballots: set for every contest")

"""Register pages: "where do I vote" in three languages, a station's list for its members
(page, CSV with the PIN first, PDF, JSON), the CEC's overview and the public figures."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.factories import PASSWORD
from tests.register.web_helpers import World, web_client

UNKNOWN_PIN = "21111199000099"


def sign_in(web: Any, username: str) -> None:
    answer = web.post("/login", data={"username": username, "password": PASSWORD, "next": "/"},
                      follow_redirects=False)
    assert answer.status_code == 303, answer.text


# --- where do I vote ------------------------------------------------------------------------


def test_where_form_in_each_language(web, world):
    assert "Где я голосую?" in web.get("/where").text
    web.get("/lang/ky")
    page = web.get("/where")
    assert "Мен кайда добуш берем?" in page.text and 'name="pin"' in page.text
    web.get("/lang/en")
    assert "Where do I vote?" in web.get("/where").text


def test_where_shows_the_station_and_nothing_personal(web, world):
    page = web.post("/where", data={"pin": world.pin("a1")})
    assert page.status_code == 200
    text = page.text
    assert "№ 1001" in text and "Средняя школа № 5" in text
    assert "г. Бишкек, ул. Токтогула, 125" in text
    assert "https://www.openstreetmap.org/?mlat=42.87&amp;mlon=74.59" in text
    assert "08:00-20:00" in text and str(world_polling_year(web, world)) in text
    assert world.pin("a1") not in text  # not even echoed into the form
    assert "Асанов" not in text and "Бакыт" not in text
    assert page.headers["cache-control"] == "no-store"


def world_polling_year(web: Any, world: World) -> int:
    rules = web.get(f"/api/register/elections/{world.election_id}/rules").json()
    return int(rules["polling_date"][:4])


def test_where_says_the_same_for_unknown_malformed_and_excluded_pins(web, world):
    pages = [web.post("/where", data={"pin": pin}) for pin in (
        UNKNOWN_PIN, "12ab", "", "7" * 300, world.pin("b_dead"), world.pin("a_minor"))]
    assert {p.status_code for p in pages} == {200}
    assert len({p.text for p in pages}) == 1  # byte for byte the same page
    assert "Этот ПИН не найден ни в одном списке избирателей" in pages[0].text


def test_where_answers_htmx_with_a_fragment(web, world):
    web.get("/lang/ky")
    fragment = web.post("/where", data={"pin": world.pin("b1")}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert "Шайлоо участкасы № 2001" in fragment.text and "Иштөө убактысы" in fragment.text
    missing = web.post("/where", data={"pin": UNKNOWN_PIN}, headers={"HX-Request": "true"})
    assert "<html" not in missing.text
    assert "Бул ЖЖН алдыдагы шайлоонун бир да шайлоочулар тизмесинде табылган жок." in (
        missing.text)


# --- a station's list -----------------------------------------------------------------------


def test_station_list_page_for_its_members(web, world):
    sign_in(web, "pec-b")
    page = web.get("/register/stations/2001")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "private, no-store"
    rows = page.text.split('<table id="voters">')[1].split("</table>")[0]
    assert rows.index("Osmonov") < rows.index("Алиева") < rows.index("Жумабаева")
    assert world.pin("b1") in rows
    additional = page.text.split('<table id="additional">')[1]
    assert "Бакиров" in additional and "lives in Kant since May" in additional
    assert "Выйти (pec-b)" in page.text
    refused = web.get("/register/stations/1001")
    assert refused.status_code == 403
    assert "register.out_of_scope" in refused.text and "Асанов" not in refused.text


def test_station_list_needs_sign_in(web, world):
    answer = web.get("/register/stations/2001", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/register/stations/2001"
    assert web.get("/register/stations/2001.json").status_code == 401


def test_station_list_twins(web, world):
    headers = world.headers["tec_b"]
    as_csv = web.get("/register/stations/2001.csv", headers=headers)
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="voters-' in as_csv.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0][0] == "pin" and rows[0][:3] == ["pin", "number", "surname"]
    assert [r[2] for r in rows[1:]] == ["Osmonov", "Алиева", "Жумабаева"]
    assert rows[3][0] == world.pin("b1")
    as_json = web.get("/register/stations/2001.json", headers=headers).json()
    assert as_json["station"] == "2001" and as_json["election_id"] == world.election_id
    assert [v["number"] for v in as_json["voters"]] == [1, 2, 3]
    assert as_json["voters"][2]["birth_date"] == "1968-11-23"
    as_pdf = web.get(f"/register/stations/2001.pdf?election={world.election_id}",
                     headers=headers)
    assert as_pdf.status_code == 200 and as_pdf.headers["content-type"] == "application/pdf"
    assert as_pdf.content.startswith(b"%PDF")
    assert web.get("/register/stations/2001.xml", headers=headers).status_code == 404


def test_pdf_in_the_visitors_language(web, world, monkeypatch):
    seen: list[str] = []

    def fake_list_pdf(title: str, subtitle: str, headers: tuple[str, ...],
                      voters: list[dict[str, Any]], footer: str) -> bytes:
        seen.extend([title, *headers, footer])
        return b"%PDF-fake"

    monkeypatch.setattr("shailoo.register.pdf.list_pdf", fake_list_pdf)
    web.get("/lang/ky")
    answer = web.get("/register/stations/2001.pdf", headers=world.headers["cec"])
    assert answer.content == b"%PDF-fake"
    assert "2001 шайлоо участкасынын шайлоочуларынын тизмеси" in seen
    assert "Фамилиясы" in seen and "ЖЖН" in seen
    assert any("Али бекитиле элек" in s for s in seen)


def test_unknown_station_and_election(web, world):
    headers = world.headers["cec"]
    assert web.get("/register/stations/7777", headers=headers).status_code == 404
    assert web.get("/register/stations/1001?election=999", headers=headers).status_code == 404


# --- the CEC's overview ---------------------------------------------------------------------


def test_overview_for_the_cec(web, world):
    sign_in(web, "cec")
    page = web.get("/register")
    assert page.status_code == 200
    text = page.text
    assert 'id="listed">5<' in text and 'id="open-duplicates">1<' in text
    eligibility = text.split('<table id="eligibility">')[1].split("</table>")[0]
    assert "умершие" in eligibility and "нет биометрических данных" in eligibility
    incoming = text.split('<table id="incoming">')[1].split("</table>")[0]
    assert "2001" in incoming and 'class="differs"' in incoming
    assert f'href="/register/imports/{world.import_id}"' in text
    assert not any(p in text for p in world.all_pins)
    as_json = web.get("/register.json").json()
    assert as_json["election_id"] == world.election_id
    assert as_json["eligibility"]["listed"] == 5 and as_json["open_duplicates"] == 1


def test_overview_is_for_the_cec_only(web, world):
    assert web.get("/register", follow_redirects=False).status_code == 303
    sign_in(web, "tec-a")
    assert web.get("/register").status_code == 403
    assert web.get("/register.json").status_code == 403


def test_overview_without_an_upcoming_election(session):
    from shailoo.auth.rules import Role
    from tests.factories import make_country, make_user

    make_country(session)
    make_user(session, "chair", Role.CEC_ADMIN)
    with web_client(session) as web:
        sign_in(web, "chair")
        page = web.get("/register")
        assert page.status_code == 200
        assert "Предстоящих выборов нет." in page.text
        assert "Выгрузка регистра ещё не загружалась." in page.text


# --- public figures -------------------------------------------------------------------------


def test_import_page_and_twins_are_public(web, world):
    page = web.get(f"/register/imports/{world.import_id}")
    assert page.status_code == 200 and "extract.csv" in page.text
    table = page.text.split('<table id="import-stations">')[1].split("</table>")[0]
    assert "2001" in table
    as_csv = list(csv.DictReader(io.StringIO(
        web.get(f"/register/imports/{world.import_id}.csv").text)))
    assert {r["station"]: r["added"] for r in as_csv} == {"": "2", "1001": "3", "1002": "1",
                                                         "2001": "5"}  # "": no station
    as_json = web.get(f"/register/imports/{world.import_id}.json").json()
    assert as_json["import"]["rows"] == 11 and len(as_json["stations"]) == 4
    assert web.get("/register/imports/999").status_code == 404
    for body in (page.text, str(as_csv), str(as_json)):
        assert not any(p in body for p in world.all_pins)


def test_freezes_page_publishes_the_hashes(web, world):
    path = f"/register/elections/{world.election_id}/freezes"
    assert "Ни один список этих выборов ещё не зафиксирован." in web.get(path).text
    frozen = web.post(f"/api/register/elections/{world.election_id}/freeze",
                      json={"stations": ["2001"]}, headers=world.headers["cec"]).json()
    sha = frozen[0]["sha256"]
    page = web.get(path)
    assert sha in page.text and "2001" in page.text
    rows = list(csv.DictReader(io.StringIO(web.get(f"{path}.csv").text)))
    assert [(r["station"], r["voters"], r["sha256"]) for r in rows] == [("2001", "3", sha)]
    assert web.get(f"{path}.json").json()[0]["sha256"] == sha
    station = web.get("/register/stations/2001", headers=world.headers["tec_b"]).text
    assert sha in station
    assert web.get("/register/elections/999/freezes").status_code == 404

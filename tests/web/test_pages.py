"""Server-rendered pages: languages, search, twins, sign-in, administration, errors."""

from __future__ import annotations

import csv
import io

from tests.factories import PASSWORD


def test_home_in_each_language(client, country):
    assert "Выборы в Кыргызской Республике" in client.get("/").text  # default: Russian
    client.get("/lang/ky", follow_redirects=False)
    page = client.get("/")
    assert "Кыргыз Республикасындагы шайлоолор" in page.text
    assert page.headers["content-language"] == "ky"
    client.get("/lang/en")
    assert "Elections of the Kyrgyz Republic" in client.get("/").text


def test_language_switch_returns_to_the_same_page(client, country):
    response = client.get("/lang/ky?next=/geography/regions/KG-C", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/geography/regions/KG-C"
    assert response.cookies.get("lang") == "ky"
    offsite = client.get("/lang/en?next=https://evil.example/x", follow_redirects=False)
    assert offsite.headers["location"] == "/"


def test_unknown_language_keeps_the_default(client, country):
    client.get("/lang/xx")
    assert "Выборы в Кыргызской Республике" in client.get("/").text


def test_search_fragment_finds_cyrillic_address_in_any_case(client, country):
    fragment = client.get("/geography/search", params={"q": "ТОКТОГУЛА"},
                          headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert "/geography/stations/1001" in fragment.text
    assert "1002" not in fragment.text
    full = client.get("/geography/search", params={"q": "елкино"})
    assert "<html" in full.text and "/geography/stations/2001" in full.text
    none = client.get("/geography/search", params={"q": "несуществующий"},
                      headers={"HX-Request": "true"})
    assert "несуществующий" in none.text


def test_drill_down_region_commission_station(client, country):
    region = client.get("/geography/regions/KG-GB").text
    assert "/geography/commissions/GB01" in region
    commission = client.get("/geography/commissions/GB01").text
    assert "Гимназия № 12" in commission and "Больница" in commission
    station = client.get("/geography/stations/9001").text
    assert "RU, Москва" in station and "openstreetmap.org" in station


def test_every_page_has_json_and_csv_twins(client, country):
    for path in ["/geography/regions", "/geography/stations", "/geography/regions/KG-GB",
                 "/geography/commissions/GB01", "/geography/stations/1001", "/elections",
                 f"/elections/{country}"]:
        as_json = client.get(f"{path}.json")
        assert as_json.status_code == 200, path
        assert as_json.headers["content-type"].startswith("application/json")
        as_csv = client.get(f"{path}.csv")
        assert as_csv.status_code == 200, path
        assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
        rows = list(csv.reader(io.StringIO(as_csv.text)))
        assert len(rows) >= 2, path
    stations = list(csv.DictReader(io.StringIO(client.get("/geography/stations.csv").text)))
    assert [s["code"] for s in stations] == ["1001", "1002", "1003", "2001", "9001"]
    assert stations[3]["locality"] == "с. Ёлкино"
    assert client.get("/geography/stations/1001.xml").status_code == 404


def test_election_page_shows_system_and_contests(client, country):
    page = client.get(f"/elections/{country}").text
    assert "kg-2021-mixed" in page and "Единый избирательный округ" in page


def test_sign_in_and_administration(client, session, country):
    from shailoo.auth.rules import Role
    from tests.factories import make_user

    make_user(session, "chair", Role.CEC_ADMIN)
    assert client.get("/admin", follow_redirects=False).status_code == 303
    wrong = client.post("/login", data={"username": "chair", "password": "nope", "next": "/"})
    assert wrong.status_code == 401 and "Неверное имя пользователя" in wrong.text
    ok = client.post("/login", data={"username": "chair", "password": PASSWORD,
                                     "next": "/admin"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/admin"
    admin = client.get("/admin")
    assert admin.status_code == 200
    assert "Цепочка аудита цела" in admin.text
    assert "elections.created" in admin.text and "chair" in admin.text
    client.post("/logout")
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_administration_is_refused_to_other_roles(client, session, country):
    from shailoo.auth.rules import Role
    from tests.factories import make_user

    make_user(session, "watcher", Role.OBSERVER)
    client.post("/login", data={"username": "watcher", "password": PASSWORD})
    page = client.get("/admin")
    assert page.status_code == 403 and "auth.permission_denied" in page.text


def test_not_found_page_and_json(client, country):
    page = client.get("/geography/stations/0000")
    assert page.status_code == 404 and "geography.station_not_found" in page.text
    api = client.get("/api/geography/stations/0000")
    assert api.json()["error"]["code"] == "geography.station_not_found"
    assert client.get("/no/such/page").status_code == 404

"""Facts that shape the demo country like Kyrgyzstan: regions, their commissions, sizes.

Region codes are ISO 3166-2:KG. Station shares are the per-region station counts of the
4 Oct 2020 election (../shared/data/election-results/kyrgyzstan, 2,368 in the country and 45
abroad); the abroad share of voters is that of 2021 (84,128 of 3,703,420). Centres and radii
are approximate and serve only the "far outside its region" plausibility check.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoRegion:
    """A region and its territorial commissions (ky, ru, en names)."""

    code: str
    kind: str
    name_ky: str
    name_ru: str
    name_en: str
    lat: float
    lon: float
    radius_km: float
    stations_2020: int
    tecs: tuple[tuple[str, str, str], ...]


def _rayons(*names: tuple[str, str, str]) -> tuple[tuple[str, str, str], ...]:
    return tuple(names)


REGIONS: tuple[DemoRegion, ...] = (
    DemoRegion("KG-GB", "city", "Бишкек шаары", "город Бишкек", "Bishkek City", 42.875, 74.600,
               15, 232, _rayons(
                   ("Ленин району", "Ленинский район", "Leninsky District"),
                   ("Октябрь району", "Октябрьский район", "Oktyabrsky District"),
                   ("Биринчи Май району", "Первомайский район", "Pervomaysky District"),
                   ("Свердлов району", "Свердловский район", "Sverdlovsky District"))),
    DemoRegion("KG-GO", "city", "Ош шаары", "город Ош", "Osh City", 40.530, 72.800, 10, 83,
               _rayons(("Ош шаары", "город Ош", "Osh City"))),
    DemoRegion("KG-B", "oblast", "Баткен облусу", "Баткенская область", "Batken Region",
               39.950, 70.900, 170, 210, _rayons(
                   ("Баткен району", "Баткенский район", "Batken District"),
                   ("Кадамжай району", "Кадамжайский район", "Kadamjay District"),
                   ("Лейлек району", "Лейлекский район", "Leilek District"),
                   ("Баткен шаары", "город Баткен", "Batken City"),
                   ("Кызыл-Кыя шаары", "город Кызыл-Кия", "Kyzyl-Kiya City"),
                   ("Сүлүктү шаары", "город Сулюкта", "Sulukta City"))),
    DemoRegion("KG-C", "oblast", "Чүй облусу", "Чуйская область", "Chui Region", 42.700,
               74.400, 170, 392, _rayons(
                   ("Аламүдүн району", "Аламудунский район", "Alamudun District"),
                   ("Чүй району", "Чуйский район", "Chui District"),
                   ("Жайыл району", "Жайылский район", "Jaiyl District"),
                   ("Кемин району", "Кеминский район", "Kemin District"),
                   ("Москва району", "Московский район", "Moskva District"),
                   ("Панфилов району", "Панфиловский район", "Panfilov District"),
                   ("Сокулук району", "Сокулукский район", "Sokuluk District"),
                   ("Ысык-Ата району", "Иссык-Атинский район", "Ysyk-Ata District"),
                   ("Токмок шаары", "город Токмок", "Tokmok City"))),
    DemoRegion("KG-J", "oblast", "Жалал-Абад облусу", "Джалал-Абадская область",
               "Jalal-Abad Region", 41.500, 72.500, 200, 440, _rayons(
                   ("Аксы району", "Аксыйский район", "Aksy District"),
                   ("Ала-Бука району", "Ала-Букинский район", "Ala-Buka District"),
                   ("Базар-Коргон району", "Базар-Коргонский район", "Bazar-Korgon District"),
                   ("Чаткал району", "Чаткальский район", "Chatkal District"),
                   ("Ноокен району", "Ноокенский район", "Nooken District"),
                   ("Сузак району", "Сузакский район", "Suzak District"),
                   ("Тогуз-Торо району", "Тогуз-Тороузский район", "Toguz-Toro District"),
                   ("Токтогул району", "Токтогульский район", "Toktogul District"),
                   ("Жалал-Абад шаары", "город Джалал-Абад", "Jalal-Abad City"),
                   ("Кара-Көл шаары", "город Кара-Куль", "Kara-Kul City"),
                   ("Майлуу-Суу шаары", "город Майлуу-Суу", "Mailuu-Suu City"),
                   ("Таш-Көмүр шаары", "город Таш-Кумыр", "Tash-Kumyr City"))),
    DemoRegion("KG-N", "oblast", "Нарын облусу", "Нарынская область", "Naryn Region", 41.400,
               75.300, 180, 165, _rayons(
                   ("Ак-Талаа району", "Ак-Талинский район", "Ak-Talaa District"),
                   ("Ат-Башы району", "Ат-Башинский район", "At-Bashy District"),
                   ("Жумгал району", "Жумгальский район", "Jumgal District"),
                   ("Кочкор району", "Кочкорский район", "Kochkor District"),
                   ("Нарын району", "Нарынский район", "Naryn District"),
                   ("Нарын шаары", "город Нарын", "Naryn City"))),
    DemoRegion("KG-O", "oblast", "Ош облусу", "Ошская область", "Osh Region", 40.200, 73.300,
               200, 487, _rayons(
                   ("Алай району", "Алайский район", "Alai District"),
                   ("Араван району", "Араванский район", "Aravan District"),
                   ("Чоң-Алай району", "Чон-Алайский район", "Chong-Alai District"),
                   ("Кара-Кулжа району", "Кара-Кульджинский район", "Kara-Kulja District"),
                   ("Кара-Суу району", "Кара-Суйский район", "Kara-Suu District"),
                   ("Ноокат району", "Ноокатский район", "Nookat District"),
                   ("Өзгөн району", "Узгенский район", "Uzgen District"))),
    DemoRegion("KG-T", "oblast", "Талас облусу", "Таласская область", "Talas Region", 42.400,
               72.300, 110, 116, _rayons(
                   ("Бакай-Ата району", "Бакай-Атинский район", "Bakai-Ata District"),
                   ("Кара-Буура району", "Кара-Бууринский район", "Kara-Buura District"),
                   ("Манас району", "Манасский район", "Manas District"),
                   ("Талас району", "Таласский район", "Talas District"),
                   ("Талас шаары", "город Талас", "Talas City"))),
    DemoRegion("KG-Y", "oblast", "Ысык-Көл облусу", "Иссык-Кульская область",
               "Issyk-Kul Region", 42.200, 77.700, 200, 243, _rayons(
                   ("Ак-Суу району", "Ак-Суйский район", "Ak-Suu District"),
                   ("Жети-Өгүз району", "Джети-Огузский район", "Jeti-Oguz District"),
                   ("Ысык-Көл району", "Иссык-Кульский район", "Issyk-Kul District"),
                   ("Тоң району", "Тонский район", "Ton District"),
                   ("Түп району", "Тюпский район", "Tyup District"),
                   ("Каракол шаары", "город Каракол", "Karakol City"),
                   ("Балыкчы шаары", "город Балыкчы", "Balykchy City"))),
)

ABROAD_STATIONS_2020 = 45
ABROAD_VOTER_SHARE = 84_128 / 3_703_420
VOTERS_PER_STATION = 1500

# Countries where Kyrgyz citizens live and vote, with cities (ISO 3166-1 alpha-2), weighted by
# the rough number of stations opened there (Russia had 20 of 59 stations in 2021).
ABROAD_CITIES: tuple[tuple[str, str, str, float, float, int], ...] = (
    ("RU", "Москва", "Moscow", 55.756, 37.617, 8),
    ("RU", "Санкт-Петербург", "Saint Petersburg", 59.939, 30.316, 3),
    ("RU", "Екатеринбург", "Yekaterinburg", 56.838, 60.605, 2),
    ("RU", "Новосибирск", "Novosibirsk", 55.030, 82.920, 2),
    ("RU", "Иркутск", "Irkutsk", 52.287, 104.305, 1),
    ("RU", "Красноярск", "Krasnoyarsk", 56.010, 92.852, 1),
    ("RU", "Казань", "Kazan", 55.796, 49.106, 1),
    ("RU", "Самара", "Samara", 53.195, 50.101, 1),
    ("KZ", "Алматы", "Almaty", 43.238, 76.946, 2),
    ("KZ", "Астана", "Astana", 51.169, 71.449, 1),
    ("TR", "Стамбул", "Istanbul", 41.008, 28.978, 2),
    ("TR", "Анкара", "Ankara", 39.934, 32.860, 1),
    ("AE", "Дубай", "Dubai", 25.205, 55.271, 1),
    ("KR", "Сеул", "Seoul", 37.566, 126.978, 2),
    ("US", "Нью-Йорк", "New York", 40.713, -74.006, 1),
    ("US", "Вашингтон", "Washington", 38.907, -77.037, 1),
    ("GB", "Лондон", "London", 51.507, -0.128, 1),
    ("DE", "Берлин", "Berlin", 52.520, 13.405, 1),
    ("UZ", "Ташкент", "Tashkent", 41.300, 69.240, 1),
    ("CN", "Пекин", "Beijing", 39.904, 116.407, 1),
    ("JP", "Токио", "Tokyo", 35.676, 139.650, 1),
    ("IT", "Рим", "Rome", 41.903, 12.496, 1),
)

STREETS = ("ул. Манаса", "ул. Токтогула", "пр. Чуй", "ул. Ленина", "ул. Фрунзе",
           "ул. Киевская", "ул. Курманжан Датки", "ул. Абдрахманова", "ул. Жибек Жолу",
           "ул. Байтик Баатыра", "ул. Ахунбаева", "ул. Ч. Айтматова", "ул. Боконбаева",
           "ул. Шабдан Баатыра", "ул. Ыбраимова", "ул. Садырбаева", "ул. Өмүрбекова",
           "ул. Жаңыбаева", "ул. Ынтымак", "ул. Мира", "ул. Советская", "ул. Гагарина")
VILLAGES = ("Ак-Жол", "Кызыл-Суу", "Жаңы-Жер", "Сары-Булак", "Ак-Башат", "Төрт-Көл",
            "Көк-Жар", "Бел-Алды", "Кара-Ой", "Ак-Суу", "Кара-Талаа", "Чоң-Таш", "Ой-Тал",
            "Жерге-Тал", "Көк-Сай", "Ак-Терек", "Бостери", "Кара-Жыгач", "Орто-Сай",
            "Ничке-Сай", "Өрүк-Зар", "Түп", "Эркин-Тоо", "Үч-Коргон", "Сүмбө", "Ёлкино")
VENUES = ("Средняя школа № {n}", "Гимназия № {n}", "Дом культуры", "Айыл өкмөтү",
          "Клуб села", "Лицей № {n}", "Библиотека № {n}", "Спортивный зал школы № {n}")

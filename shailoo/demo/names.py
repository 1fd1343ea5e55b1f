"""Kyrgyz and Russian personal names in Cyrillic, for synthetic people."""

from __future__ import annotations

import random
from dataclasses import dataclass

KY_MALE = ["Азамат", "Бакыт", "Нурлан", "Эрлан", "Талант", "Бектур", "Максат", "Улан",
           "Жыргалбек", "Айбек", "Темир", "Мирлан", "Адилет", "Нурбек", "Канат", "Үсөн",
           "Өмүрбек", "Чыңгыз", "Эрмек", "Болот", "Жоомарт", "Кубаныч", "Манас", "Сүйүнбек"]
KY_FEMALE = ["Айгерим", "Жылдыз", "Нургүл", "Айпери", "Гүлзат", "Мээрим", "Айжан", "Чолпон",
             "Бермет", "Асел", "Динара", "Айзада", "Салтанат", "Нуриза", "Гүлнара",
             "Сүйкүм", "Жаңыл", "Элнура", "Каныкей", "Толгонай", "Бактыгүл", "Назгүл", "Чынара"]
KY_SURNAME_STEMS = ["Асан", "Токтогул", "Жээнбек", "Абдыкадыр", "Сариев", "Мамыт", "Осмон",
                    "Исак", "Кадыр", "Усуп", "Жумабаев", "Турдубаев", "Эсен", "Сыдык", "Орозбек",
                    "Бек", "Өмүрбек", "Күлүбаев", "Медет", "Ыскак", "Шамшиев", "Түмөнбаев",
                    "Алымбек", "Бообек", "Дөөлөт", "Ногоев", "Сагынбаев", "Тыныбек"]
RU_MALE = ["Иван", "Сергей", "Андрей", "Дмитрий", "Алексей", "Николай", "Владимир", "Михаил",
           "Павел", "Юрий", "Виктор", "Олег"]
RU_FEMALE = ["Ольга", "Наталья", "Елена", "Татьяна", "Ирина", "Светлана", "Людмила", "Анна",
             "Марина", "Галина", "Юлия", "Ксения"]
RU_SURNAMES = ["Иванов", "Петров", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев",
               "Козлов", "Новиков", "Морозов", "Волков", "Фёдоров", "Ёлкин", "Жуков"]
RU_PATRONYMIC_STEMS = {"Иван": "Иванов", "Сергей": "Сергеев", "Андрей": "Андреев",
                       "Дмитрий": "Дмитриев", "Алексей": "Алексеев", "Николай": "Николаев",
                       "Владимир": "Владимиров", "Михаил": "Михайлов", "Павел": "Павлов",
                       "Юрий": "Юрьев", "Виктор": "Викторов", "Олег": "Олегов"}


@dataclass(frozen=True)
class Person:
    """A synthetic person's name and sex."""

    surname: str
    given_name: str
    patronymic: str
    sex: str  # "female" or "male"

    @property
    def full_name(self) -> str:
        """Surname, given name, patronymic."""
        return " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)


def _ky_surname(stem: str, female: bool) -> str:
    if stem.endswith(("ов", "ев")):
        return stem + ("а" if female else "")
    return stem + ("ова" if female else "ов")


def person(rng: random.Random, kyrgyz_share: float = 0.75) -> Person:
    """A random person: Kyrgyz names with probability ``kyrgyz_share``, else Russian."""
    female = rng.random() < 0.5
    if rng.random() < kyrgyz_share:
        given = rng.choice(KY_FEMALE if female else KY_MALE)
        father = rng.choice(KY_MALE)
        patronymic = f"{father} {'кызы' if female else 'уулу'}"
        return Person(_ky_surname(rng.choice(KY_SURNAME_STEMS), female), given, patronymic,
                      "female" if female else "male")
    given = rng.choice(RU_FEMALE if female else RU_MALE)
    stem = RU_PATRONYMIC_STEMS[rng.choice(list(RU_PATRONYMIC_STEMS))]
    patronymic = stem[:-2] + ("овна" if stem.endswith("ов") else "евна") if female else (
        stem[:-2] + ("ович" if stem.endswith("ов") else "евич"))
    surname = rng.choice(RU_SURNAMES)
    return Person(surname + ("а" if female else ""), given, patronymic,
                  "female" if female else "male")

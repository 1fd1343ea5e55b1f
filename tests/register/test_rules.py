"""The register's pure rules: PIN checks, age and eligibility, address keys and station
resolution, Form No. 2, name keys of likely duplicates."""

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from shailoo.register import rules
from shailoo.register.rules import (
    AddressChangeRules,
    ChangeRequest,
    ChangeScope,
    EligibilityRules,
    Exclusion,
    PersonFacts,
    PinFormat,
    Placement,
    address_keys,
    address_part_key,
    age_on,
    assign_station,
    change_deadline,
    change_refusal,
    change_share_exceeded,
    exclusion,
    list_station,
    name_skeleton,
    person_name_key,
    pin_consistent,
    pin_error,
    pin_warnings,
    transliterate,
    withdrawal_refusal,
)

POLLING = date(2027, 2, 28)
DIGITS = "0123456789"

dates = st.dates(min_value=date(1890, 1, 1), max_value=date(2100, 12, 31))
sexes = st.sampled_from(["F", "M"])
pins = st.text(DIGITS, min_size=14, max_size=14)


def pin_of(sex: str, born: date, serial: str = "00017") -> str:
    return ("1" if sex == "F" else "2") + born.strftime("%d%m%Y") + serial


# --- PIN ------------------------------------------------------------------------------------


def test_a_pin_is_exactly_14_ascii_digits():
    assert pin_error("11205198000017") is None
    for bad in ("", "1120519800001", "112051980000170", "1120519800001x", " 1120519800001",
                "１１２０５１９８０００１７",  # full-width digits
                "1120519800001٧"):  # an Arabic-Indic seven: a digit, but not ASCII
        assert pin_error(bad) == "must be exactly 14 digits", bad


def test_a_pin_of_another_format():
    fmt = PinFormat(length=10, sex_digit=None, birth_date_digits=None)
    assert pin_error("1234567890", fmt) is None
    assert pin_error("11205198000017", fmt) == "must be exactly 10 digits"
    assert pin_warnings("9999999999", "F", date(1980, 5, 12), fmt) == []
    assert pin_consistent("9999999999", "F", date(1980, 5, 12), fmt)


def test_sex_digit_and_birth_date_only_warn():
    born = date(1980, 5, 12)
    good = pin_of("F", born)
    assert good == "11205198000017"
    assert pin_warnings(good, "F", born) == []
    assert pin_consistent(good, "F", born)

    wrong_sex = pin_of("M", born)
    assert pin_error(wrong_sex) is None  # a valid PIN all the same
    assert pin_warnings(wrong_sex, "F", born) == [
        "first digit 2 says sex M, the record says F"]
    assert not pin_consistent(wrong_sex, "F", born)

    unknown_digit = "3" + good[1:]
    assert pin_warnings(unknown_digit, "F", born) == ["first digit 3 is not a known sex digit"]
    assert not pin_consistent(unknown_digit, "F", born)

    other_day = date(1980, 5, 13)
    assert pin_warnings(good, "F", other_day) == [
        "digits 2-9 (12051980) are not the birth date 13051980"]
    assert not pin_consistent(good, "F", other_day)

    assert len(pin_warnings(wrong_sex, "F", other_day)) == 2


@given(pins, sexes, dates)
def test_pin_consistent_is_the_quick_form_of_pin_warnings(pin, sex, born):
    assert pin_consistent(pin, sex, born) == (pin_warnings(pin, sex, born) == [])


@given(sexes, dates, st.text(DIGITS, min_size=5, max_size=5))
def test_a_well_formed_pin_raises_no_warning(sex, born, serial):
    pin = pin_of(sex, born, serial)
    assert pin_error(pin) is None
    assert pin_warnings(pin, sex, born) == []
    assert pin_consistent(pin, sex, born)
    assert pin_warnings(pin, "M" if sex == "F" else "F", born) != []


def test_pin_checks_agree_for_a_year_before_1000():
    born = date(999, 1, 2)
    pin = "1" + "02010999" + "12345"
    assert pin_consistent(pin, "F", born) == (pin_warnings(pin, "F", born) == [])


# --- age and eligibility --------------------------------------------------------------------


def test_age_around_the_18th_birthday():
    born = date(2009, 2, 28)
    assert age_on(born, date(2027, 2, 27)) == 17
    assert age_on(born, date(2027, 2, 28)) == 18
    assert age_on(born, date(2027, 3, 1)) == 18
    assert age_on(born, born) == 0


def test_born_on_29_february_comes_of_age_on_1_march_in_a_common_year():
    born = date(2008, 2, 29)
    assert age_on(born, date(2026, 2, 28)) == 17
    assert age_on(born, date(2026, 3, 1)) == 18
    assert age_on(born, date(2028, 2, 28)) == 19  # a leap year: the birthday is the 29th
    assert age_on(born, date(2028, 2, 29)) == 20


def naive_age(born: date, day: date) -> int:
    """Count the birthdays up to ``day`` (29 February falls on 1 March in common years)."""
    years = 0
    for year in range(born.year + 1, day.year + 1):
        try:
            birthday = born.replace(year=year)
        except ValueError:
            birthday = date(year, 3, 1)
        if birthday <= day:
            years += 1
    return years


@given(dates, st.integers(0, 120 * 366))
def test_age_on_counts_birthdays(born, days):
    day = born + timedelta(days=days)
    assume(day.year <= 2200)
    assert age_on(born, day) == naive_age(born, day)


@given(dates, dates, dates)
def test_age_on_is_monotonic_in_the_day(born, a, b):
    first, second = sorted((a, b))
    assert age_on(born, first) <= age_on(born, second)


ELIGIBLE = PersonFacts("KG", date(1980, 5, 12), deceased=False, incapable=False,
                       has_biometrics=True)
RULES = EligibilityRules(polling_date=POLLING)


def test_exclusion_reasons_in_order():
    worst = PersonFacts("KZ", date(2010, 1, 1), deceased=True, incapable=True,
                        has_biometrics=False, blocked_as_duplicate=True)
    fixes = [("deceased", False), ("citizenship", "KG"), ("birth_date", date(1980, 5, 12)),
             ("incapable", False), ("has_biometrics", True), ("blocked_as_duplicate", False)]
    seen = []
    facts = worst
    for name, value in fixes:
        seen.append(exclusion(facts, RULES))
        facts = PersonFacts(**{**vars(facts), name: value})
    assert seen == [Exclusion.DECEASED, Exclusion.NOT_CITIZEN, Exclusion.UNDER_AGE,
                    Exclusion.INCAPABLE, Exclusion.NO_BIOMETRICS, Exclusion.DUPLICATE]
    assert exclusion(facts, RULES) is None
    assert facts == ELIGIBLE


def test_exclusion_follows_the_election_rules():
    no_bio = PersonFacts(**{**vars(ELIGIBLE), "has_biometrics": False})
    assert exclusion(no_bio, RULES) is Exclusion.NO_BIOMETRICS
    assert exclusion(no_bio, EligibilityRules(POLLING, require_biometrics=False)) is None
    eighteen_on_the_day = PersonFacts(**{**vars(ELIGIBLE), "birth_date": date(2009, 2, 28)})
    a_day_short = PersonFacts(**{**vars(ELIGIBLE), "birth_date": date(2009, 3, 1)})
    assert exclusion(eighteen_on_the_day, RULES) is None
    assert exclusion(a_day_short, RULES) is Exclusion.UNDER_AGE
    assert exclusion(eighteen_on_the_day, EligibilityRules(POLLING, min_age=21)) is \
        Exclusion.UNDER_AGE
    assert exclusion(ELIGIBLE, EligibilityRules(POLLING, citizenship="KZ")) is \
        Exclusion.NOT_CITIZEN


@given(st.sampled_from(["KG", "KZ"]), dates, st.booleans(), st.booleans(), st.booleans(),
       st.booleans(), st.booleans())
def test_eligible_exactly_when_no_reason_applies(citizenship, born, dead, incapable, bio,
                                                 blocked, require_bio):
    facts = PersonFacts(citizenship, born, dead, incapable, bio, blocked)
    eligibility = EligibilityRules(POLLING, require_biometrics=require_bio)
    eligible = (not dead and citizenship == "KG" and naive_age(born, POLLING) >= 18
                and not incapable and (bio or not require_bio) and not blocked)
    assert (exclusion(facts, eligibility) is None) == eligible


# --- addresses and stations -----------------------------------------------------------------


def test_address_part_key_ignores_spelling_noise():
    assert address_part_key("ул. Токтогула") == "токтогула"
    assert address_part_key("Токтогула көчөсү") == "токтогула"
    assert address_part_key("  ТОКТОГУЛА  ") == "токтогула"
    assert address_part_key("г. Бишкек") == address_part_key("Бишкек шаары") == "бишкек"
    assert address_part_key("с. Ёлкино") == address_part_key("Елкино") == "елкино"
    assert address_part_key("Өмүрбекова") == address_part_key("Омурбекова")
    assert address_part_key("пр. Чүй") == address_part_key("проспект Чуй") == "чуй"
    assert address_part_key("д. 7") == "7"
    assert address_part_key("Манаса") != address_part_key("Ахунбаева")
    assert address_part_key(None) == address_part_key("") == ""


def test_address_keys_from_the_most_precise():
    assert address_keys("KG-GB", "г. Бишкек", "ул. Токтогула", "125") == (
        "KG-GB|бишкек|токтогула|125", "KG-GB|бишкек|токтогула|", "KG-GB|бишкек||")
    assert address_keys("KG-C", "Ёлкино", None, None) == (
        "KG-C|елкино||", "KG-C|елкино||", "KG-C|елкино||")


TABLE = {
    "KG-GB|бишкек|токтогула|125": ("1002",),
    "KG-GB|бишкек|токтогула|": ("1001",),
    "KG-GB|бишкек||": ("1003",),
    "KG-GB|бишкек|манаса|1": ("1001", "1002"),
    "KG-GB|бишкек|манаса|": ("1003",),
}


@pytest.mark.parametrize(("street", "house", "expected"), [
    ("Токтогула", "125", ("1002", "matched")),  # the house beats its street
    ("ул. Токтогула", "7", ("1001", "matched")),  # another house: the street
    ("Ахунбаева", "90", ("1003", "matched")),  # another street: the locality
    (None, None, ("1003", "matched")),
    ("Манаса", "1", (None, "several")),  # the most precise match is ambiguous
    ("Манаса", "2", ("1003", "matched")),
])
def test_assign_station_precedence(street, house, expected):
    assert assign_station(address_keys("KG-GB", "Бишкек", street, house), TABLE) == expected


def test_assign_station_without_a_match():
    assert assign_station(address_keys("KG-C", "Ёлкино", "Мира", "3"), TABLE) == (None, "none")
    assert assign_station(address_keys("KG-GB", "Бишкек", "Мира", "3"), {}) == (None, "none")


def test_list_station_precedence():
    assert list_station(Placement("1001")) == "1001"
    assert list_station(Placement("1001", consular_station="9001")) == "9001"
    assert list_station(Placement("1001", "9001", changed_to_station="1002")) == "1002"
    assert list_station(Placement(None, None, "2001")) == "2001"
    assert list_station(Placement(None)) is None


# --- Form No. 2 -----------------------------------------------------------------------------

TODAY = date(2027, 1, 10)
DEADLINE = date(2027, 2, 13)


def request(**changes) -> ChangeRequest:
    base = {"today": TODAY, "polling_date": POLLING, "from_station": "1001",
            "from_region": "KG-GB", "to_station": "9001", "to_abroad": True,
            "to_region": None, "earlier_requests": 0}
    return ChangeRequest(**{**base, **changes})


ANYONE = AddressChangeRules(scope=ChangeScope.ANYONE)
DOMESTIC = {"to_station": "1002", "to_abroad": False, "to_region": "KG-GB"}


def test_change_deadline_is_counted_back_from_polling_day():
    assert change_deadline(AddressChangeRules(), POLLING) == DEADLINE
    assert change_deadline(AddressChangeRules(deadline_days=30), POLLING) == date(2027, 1, 29)


def test_a_change_abroad_is_allowed_by_default():
    assert change_refusal(request(), AddressChangeRules()) is None


def test_closed():
    refusal = change_refusal(request(), AddressChangeRules(scope=ChangeScope.CLOSED))
    assert refusal == "changes of voting address are closed for this election"


def test_deadline():
    rules_ = AddressChangeRules()
    assert change_refusal(request(today=DEADLINE), rules_) is None
    assert change_refusal(request(today=DEADLINE + timedelta(days=1)), rules_) == \
        "the deadline for changes was 2027-02-13"


def test_abroad_only_by_default():
    assert change_refusal(request(**DOMESTIC), AddressChangeRules()) == (
        "only voters abroad may change their voting address; the station is not abroad")
    assert change_refusal(request(**DOMESTIC), ANYONE) is None


def test_same_station():
    assert change_refusal(request(to_station="1001", to_abroad=False, to_region="KG-GB"),
                          ANYONE) == "the voter is already on that station's list"
    assert change_refusal(request(from_station="9001"), AddressChangeRules()) == \
        "the voter is already on that station's list"


def test_forbid_same_region():
    forbid = AddressChangeRules(scope=ChangeScope.ANYONE, forbid_same_region=True)
    assert change_refusal(request(**DOMESTIC), forbid) == \
        "a change within the same region is not allowed"
    assert change_refusal(request(to_station="2001", to_abroad=False, to_region="KG-C"),
                          forbid) is None
    assert change_refusal(request(), forbid) is None  # abroad is never the same region
    assert change_refusal(request(**DOMESTIC, from_region=None), forbid) is None


def test_max_requests():
    assert change_refusal(request(earlier_requests=2), AddressChangeRules()) is None
    assert change_refusal(request(earlier_requests=3), AddressChangeRules()) == (
        "the voter has already made 3 change(s) in this election, the limit is 3")
    assert change_refusal(request(), AddressChangeRules(max_requests=0)) is not None


def test_refusals_in_order():
    everything_wrong = request(today=DEADLINE + timedelta(days=1), **DOMESTIC,
                               earlier_requests=9)
    closed = AddressChangeRules(scope=ChangeScope.CLOSED)
    assert "closed" in change_refusal(everything_wrong, closed)
    assert "deadline" in change_refusal(everything_wrong, AddressChangeRules())
    assert "abroad" in change_refusal(request(**DOMESTIC, earlier_requests=9),
                                      AddressChangeRules())
    assert "limit" in change_refusal(request(earlier_requests=9), AddressChangeRules())


def test_withdrawal_refusal():
    assert withdrawal_refusal(DEADLINE, POLLING, AddressChangeRules()) is None
    assert withdrawal_refusal(DEADLINE + timedelta(days=1), POLLING, AddressChangeRules()) == \
        "the deadline for changes was 2027-02-13"


def test_change_share_exceeded():
    share = AddressChangeRules(warn_share=0.10)
    assert not change_share_exceeded(10, 100, share)
    assert change_share_exceeded(11, 100, share)
    assert not change_share_exceeded(5, 0, share)
    assert not change_share_exceeded(0, 3, share)


# --- likely duplicates ----------------------------------------------------------------------


def test_transliterate():
    assert transliterate("Жылдыз") == "zhyldyz"
    assert transliterate("Асанова") == "asanova"
    assert transliterate("Үмөт Ңаа") == "umotngaa"
    assert transliterate("Щукина-Цой") == "shukinatsoi"
    assert transliterate("Éva") == "eva"
    assert transliterate("Jyldyz") == "jyldyz"
    assert transliterate("") == ""


@pytest.mark.parametrize("spellings", [
    ("Жылдыз", "Jyldyz", "Zhyldyz", "ZHYLDYZ", "Djyldyz", "Dzhyldyz", "Jildiz"),
    ("Асанова", "Asanova", "Assanova"),
    ("Хасанов", "Khasanov", "Hasanov"),
    ("Цой", "Tsoi", "Tsoy"),
    ("Щукин", "Shchukin", "Shukin", "Schukin"),
    ("Чыңгыз", "Chyngyz", "Chingiz"),
    ("Айгүл", "Aigul", "Aygul"),
])
def test_name_skeleton_meets_spellings(spellings):
    assert len({name_skeleton(s) for s in spellings}) == 1, spellings


def test_name_skeleton_keeps_different_names_apart():
    names = ("Жылдыз", "Айгүл", "Асанова", "Асанов", "Бакыт", "Нурлан")
    assert len({name_skeleton(n) for n in names}) == len(names)
    assert name_skeleton("Асан уулу") == name_skeleton("Асан")
    assert name_skeleton(None) == name_skeleton("") == name_skeleton("  ") == ""


def test_person_name_key_meets_latin_and_swapped_names():
    key = person_name_key("Асанова", "Жылдыз", "Бакытовна")
    assert person_name_key("Asanova", "Jyldyz", "Бакытовна") == key
    assert person_name_key("ASANOVA", "Zhyldyz", "Bakytovna") == key
    assert person_name_key("Жылдыз", "Асанова", "Бакытовна") == key  # swapped
    assert person_name_key("Jyldyz", "Asanova", "Bakytovna") == key
    assert person_name_key("Асанова", "Айгүл", "Бакытовна") != key
    assert person_name_key("Асанова", "Жылдыз", "Маратовна") != key
    assert person_name_key("Асанова", "Жылдыз", None) == person_name_key("Асанова", "Жылдыз",
                                                                         "")


KYRGYZ = "абвгдеёжзийклмнңоөпрстуүфхцчшщъыьэюя"
words = st.text(KYRGYZ + KYRGYZ.upper(), min_size=1, max_size=12)


@given(words, words, st.one_of(st.none(), words))
def test_a_name_and_its_transliteration_meet(surname, given_name, patronymic):
    latin = [None if p is None else transliterate(p).capitalize()
             for p in (surname, given_name, patronymic)]
    assert person_name_key(surname, given_name, patronymic) == person_name_key(*latin)


@given(words, words, st.one_of(st.none(), words))
def test_swapped_names_meet(surname, given_name, patronymic):
    assert person_name_key(surname, given_name, patronymic) == \
        person_name_key(given_name, surname, patronymic)


def test_person_name_key_takes_a_cached_skeleton():
    calls = []

    def skeleton(text):
        calls.append(text)
        return rules.name_skeleton(text)

    assert person_name_key("Асанова", "Жылдыз", None, skeleton) == \
        person_name_key("Асанова", "Жылдыз", None)
    assert calls == ["Асанова", "Жылдыз", None]


def test_list_line():
    assert rules.list_line("11205198000017", "Асанова", "Жылдыз", None, date(1980, 5, 12),
                           "Бишкек, Токтогула 10") == (
        "11205198000017\tАсанова\tЖылдыз\t\t1980-05-12\tБишкек, Токтогула 10\n")

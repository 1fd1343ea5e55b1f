"""search_key folds case, ё and Kyrgyz letters; kyrgyz_sort_key follows the Kyrgyz alphabet."""

from hypothesis import given
from hypothesis import strategies as st

from shailoo.kit.text import KYRGYZ_ALPHABET, kyrgyz_sort_key, search_key


def test_search_key_folds_case():
    assert search_key("БИШКЕК") == "бишкек"
    assert search_key("Bishkek") == "bishkek"


def test_search_key_folds_yo_to_ye():
    assert search_key("Ёлкино") == "елкино"
    assert search_key("Фёдоров") == search_key("Федоров")


def test_search_key_folds_kyrgyz_letters_to_russian_neighbours():
    assert search_key("Ң") == "н"
    assert search_key("Жаңы-Жер") == "жаны-жер"
    assert search_key("Өмүрбекова") == "омурбекова"
    assert search_key("ҮЧ-КОРГОН") == "уч-коргон"
    assert search_key("Төрт-Көл") == search_key("торт-кол")
    assert search_key("Һ") == "х"


def test_search_key_collapses_whitespace():
    assert search_key("  ул.\tТоктогула \n 125 ") == "ул. токтогула 125"


def test_search_key_normalises_compatibility_forms():
    assert search_key("№ 5") == "no 5"  # NFKC: the numero sign becomes "No"
    assert search_key("ﬁ") == "fi"


@given(st.text())
def test_search_key_is_idempotent(text):
    assert search_key(search_key(text)) == search_key(text)


@given(st.text(alphabet="абвгдеёжзийклмнңоөпрстуүфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНҢОӨПРСТУҮ "))
def test_search_key_finds_a_word_whatever_its_spelling(text):
    assert search_key(text.upper()) == search_key(text.lower())


def test_kyrgyz_letters_sort_after_their_neighbours():
    assert sorted(["о", "п", "ө"], key=kyrgyz_sort_key) == ["о", "ө", "п"]
    assert sorted(["н", "о", "ң"], key=kyrgyz_sort_key) == ["н", "ң", "о"]
    assert sorted(["у", "ф", "ү"], key=kyrgyz_sort_key) == ["у", "ү", "ф"]
    assert kyrgyz_sort_key("ң") > kyrgyz_sort_key("н")
    assert kyrgyz_sort_key("ө") > kyrgyz_sort_key("о")
    assert kyrgyz_sort_key("ү") > kyrgyz_sort_key("у")


def test_kyrgyz_sort_key_orders_words():
    words = ["Үсөн", "Өмүр", "Улан", "Нурлан", "Ңа", "Ош", "Асан", "Ёлкин", "Елена", "Фатима"]
    assert sorted(words, key=kyrgyz_sort_key) == [
        "Асан", "Елена", "Ёлкин", "Нурлан", "Ңа", "Ош", "Өмүр", "Улан", "Үсөн", "Фатима"]


def test_kyrgyz_sort_key_ignores_case_and_puts_latin_and_digits_first():
    assert kyrgyz_sort_key("ӨМҮР") == kyrgyz_sort_key("өмүр")
    assert sorted(["б", "z", "1", "а"], key=kyrgyz_sort_key) == ["1", "z", "а", "б"]


@given(st.lists(st.text(alphabet=KYRGYZ_ALPHABET, min_size=1), min_size=2))
def test_kyrgyz_sort_key_agrees_with_alphabet_position(words):
    ordered = sorted(words, key=kyrgyz_sort_key)
    as_indices = [[KYRGYZ_ALPHABET.index(c) for c in w] for w in ordered]
    assert as_indices == sorted(as_indices)

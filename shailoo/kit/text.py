"""Text keys: case- and script-insensitive search, and Kyrgyz/Russian alphabetical order."""

from __future__ import annotations

import unicodedata

# Kyrgyz Cyrillic alphabet: Russian letters plus Ң after Н, Ө after О, Ү after У.
KYRGYZ_ALPHABET = "абвгдеёжзийклмнңоөпрстуүфхцчшщъыьэюя"
_ORDER = {letter: index for index, letter in enumerate(KYRGYZ_ALPHABET)}

_SEARCH_FOLD = str.maketrans({"ё": "е", "ң": "н", "ө": "о", "ү": "у", "һ": "х"})


def search_key(text: str) -> str:
    """Lower-case, accent- and punctuation-light form used for substring search.

    Kyrgyz letters fold to their Russian neighbours (ң→н, ө→о, ү→у) and ё to е, so a
    search typed on a Russian keyboard finds Kyrgyz names.
    """
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_SEARCH_FOLD)
    return " ".join(folded.split())


def kyrgyz_sort_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders Cyrillic text by the Kyrgyz alphabet (Latin and digits first)."""
    key: list[tuple[int, int | str]] = []
    for char in unicodedata.normalize("NFC", text).casefold():
        if char in _ORDER:
            key.append((2, _ORDER[char]))
        elif char.isalnum():
            key.append((1, char))
        else:
            key.append((0, char))
    return tuple(key)

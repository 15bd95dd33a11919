"""Built-in stop word lists, loaded from the package data files in `stopwords/<name>.txt`.

This module owns the list files and their names. A list is named after the PyStemmer
language it goes with ("french" pairs with the "french" stemmer), so one language name
configures a whole analyzer. "english" is Lucene's 33-word EnglishAnalyzer list (short on
purpose: it only drops words that never carry meaning); "english_snowball" and the other
languages are the Snowball project's published lists (BSD-licensed data). Files hold one
word a line; blank lines and lines starting with `#` are ignored. Lists are read once.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from minisearch.errors import AnalyzerConfigError

_DATA = files("minisearch.analysis").joinpath("stopwords")
_SUFFIX = ".txt"


@cache
def _list_names() -> tuple[str, ...]:
    return tuple(
        sorted(
            entry.name[: -len(_SUFFIX)] for entry in _DATA.iterdir() if entry.name.endswith(_SUFFIX)
        )
    )


def available_stopword_lists() -> list[str]:
    """The names of the built-in stop word lists, sorted."""
    return list(_list_names())


@cache
def stopwords(name: str) -> frozenset[str]:
    """The words of the built-in list `name`; `AnalyzerConfigError` if there is no such list."""
    if name not in _list_names():
        raise AnalyzerConfigError(
            f"unknown stop word list {name!r}; available: {', '.join(_list_names())}"
        )
    text = _DATA.joinpath(name + _SUFFIX).read_text(encoding="utf-8")
    return frozenset(
        word for line in text.splitlines() if (word := line.strip()) and not word.startswith("#")
    )

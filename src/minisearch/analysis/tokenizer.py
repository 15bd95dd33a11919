"""Splitting the ORIGINAL text into word tokens with one compiled regex, and the `Token` type.

Tokenizing before any normalization keeps every offset pointing into the caller's string.
A word is a run of letters/digits (Unicode `\\w` minus `_`), with combining marks kept
inside it (decomposed "é" is still one word). Joined into one token: an apostrophe (' or ’),
ZWNJ or ZWJ between two word characters ("don't", Persian compounds), and "." or ","
between two digits ("3.14", "1,000"). Everything else splits: hyphens ("F-16" -> "F", "16";
"2014-03-14" -> three tokens), underscores, periods of abbreviations ("U.S." -> "U", "S").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True, slots=True)
class Token:
    """One analyzed token: its final term and where its surface word sits in the input."""

    text: str  # the final term after all filters
    position: int  # index in the token stream before stop word removal (gaps stay), 0-based
    start: int  # character offset of the surface word in the original input (inclusive)
    end: int  # character offset of the surface word in the original input (exclusive)


# Every combining mark (Unicode 14 and 15, Python 3.11-3.13) lies in U+0300..U+1E94A or
# U+E0100..U+E01EF (variation selectors). Scanned without the blocks that hold only
# ideographs, syllables, surrogates or private use (CJK, Hangul, Tangut), which are most of
# those code points: the first non-ASCII text to tokenize does not wait for a full scan.
# tests/test_analysis.py checks the result against a scan of every code point.
_MARK_PLANES = (
    range(0x0300, 0x3400),
    range(0x4DC0, 0x4E00),  # CJK Unified Ideographs and Extension A skipped
    range(0xA000, 0xAC00),  # Hangul syllables, surrogates, private use skipped
    range(0xF900, 0x17000),
    range(0x18D00, 0x20000),  # Tangut skipped
    range(0xE0000, 0xE1000),
)


def _mark_class() -> str:
    """A regex character class of the combining marks (categories Mn, Mc, Me)."""
    ranges: list[tuple[int, int]] = []
    for plane in _MARK_PLANES:
        for code in plane:
            if unicodedata.category(chr(code))[0] != "M":
                continue
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges) + "]"


@cache
def _token_re() -> re.Pattern[str]:
    """The general pattern, built when non-ASCII text first comes: scanning for the marks
    and compiling the result take a command-line search (ASCII, usually) ~70 ms otherwise.

    The lookaheads only skip work: marks are tried after a non-ASCII character, joiners
    before one of the joining characters (a large class costs a scan of its ranges).
    """
    word = rf"[^\W_]+(?:(?=[^\x00-\x7f]){_mark_class()}+[^\W_]*)*"
    return re.compile(
        rf"{word}(?:(?=['’\u200c\u200d.,])(?:['’\u200c\u200d]{word}|(?<=\d)[.,](?=\d){word}))*"
    )


# The same tokens for ASCII text, where there are no marks or non-ASCII joiners to look for:
# a quarter less time per word than the general pattern (most indexed text is ASCII, and
# `str.isascii` costs nothing). tests/test_analysis.py checks that both agree on ASCII text.
_ASCII_WORD = r"[A-Za-z0-9]+"
_ASCII_TOKEN_RE = re.compile(
    rf"{_ASCII_WORD}(?:(?=['.,])(?:'{_ASCII_WORD}|(?<=[0-9])[.,](?=[0-9]){_ASCII_WORD}))*"
)


def _pattern(text: str) -> re.Pattern[str]:
    return _ASCII_TOKEN_RE if text.isascii() else _token_re()


def words(text: str) -> list[str]:
    """The surface words of `text`, in order (the fast path: no offsets)."""
    return _pattern(text).findall(text)


def word_spans(text: str) -> Iterator[tuple[str, int, int]]:
    """The surface words of `text` with their `[start, end)` character offsets."""
    for match in _pattern(text).finditer(text):
        yield match.group(), match.start(), match.end()

"""Prefix and fuzzy expansion against brute force over the whole dictionary."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minisearch.expansion import (
    Expansion,
    edit_distance,
    expand_fuzzy,
    expand_prefix,
    prefix_range,
    prefix_upper_bound,
    scan_fuzzy,
)

MAX = "\U0010ffff"
# Small alphabets so that prefixes are shared and matches frequent; the exotic characters
# exercise code-point order, astral characters and the U+10FFFF upper-bound fallback.
FUZZY_ALPHABET = "abc"
UNICODE_ALPHABET = "ab\u00e9\uffff\U0001f600" + MAX


def reference_osa(a: str, b: str) -> int:
    """Optimal string alignment distance with the full (len a + 1) x (len b + 1) matrix."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def dictionaries(
    alphabet: str, max_len: int = 7, max_size: int = 60
) -> st.SearchStrategy[list[str]]:
    return st.sets(st.text(alphabet=alphabet, max_size=max_len), max_size=max_size).map(sorted)


# --- edit_distance ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("kitten", "sitting", 3),
        ("ca", "ac", 1),  # one transposition
        ("ca", "abc", 3),  # 2 with unrestricted Damerau-Levenshtein; OSA edits no substring twice
        ("", "abc", 3),
        ("abc", "", 3),
        ("", "", 0),
        ("flaw", "lawn", 2),
        ("abcdef", "badcfe", 3),  # three disjoint transpositions
        ("naïve", "naive", 1),
        ("日本語", "本日語", 1),
        ("a\U0001f600b", "ab", 1),  # an astral character is one code point, one edit
    ],
)
def test_edit_distance_known_values(a: str, b: str, expected: int) -> None:
    assert edit_distance(a, b) == expected
    assert edit_distance(b, a) == expected


@given(st.text(alphabet="abcd", max_size=9), st.text(alphabet="abcd", max_size=9))
def test_edit_distance_matches_full_matrix(a: str, b: str) -> None:
    assert edit_distance(a, b) == reference_osa(a, b)


# --- prefix expansion ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("ab", "ac"), ("a" + MAX, "b"), ("a" + MAX + MAX, "b"), (MAX, None), ("", None)],
)
def test_prefix_upper_bound(prefix: str, expected: str | None) -> None:
    assert prefix_upper_bound(prefix) == expected


@given(dictionaries(UNICODE_ALPHABET, max_len=4), st.text(alphabet=UNICODE_ALPHABET, max_size=3))
def test_prefix_range_matches_startswith(terms: list[str], prefix: str) -> None:
    expected = [i for i, term in enumerate(terms) if term.startswith(prefix)]
    assert list(prefix_range(terms, prefix)) == expected
    assert expand_prefix(terms, prefix, max_terms=len(terms)) == Expansion(expected, False)


def test_prefix_range_empty_prefix_and_empty_dictionary() -> None:
    assert prefix_range(["", "a", "b"], "") == range(3)
    assert prefix_range([], "a") == range(0)
    assert prefix_range(["a", "b" + MAX, "b" + MAX + "x", "c"], "b" + MAX) == range(1, 3)


@given(
    dictionaries(UNICODE_ALPHABET, max_len=4),
    st.text(alphabet=UNICODE_ALPHABET, max_size=2),
    st.integers(min_value=0, max_value=8),
    st.randoms(use_true_random=False),
)
def test_expand_prefix_cap(terms: list[str], prefix: str, cap: int, rnd: random.Random) -> None:
    matching = [i for i, term in enumerate(terms) if term.startswith(prefix)]
    freqs = np.array([rnd.randrange(4) for _ in terms], dtype=np.uint32)
    first = expand_prefix(terms, prefix, max_terms=cap)
    by_df = expand_prefix(terms, prefix, max_terms=cap, doc_freqs=freqs)
    if len(matching) <= cap:
        assert first == by_df == Expansion(matching, False)
    else:
        assert first == Expansion(matching[:cap], True)
        best = sorted(matching, key=lambda i: (-int(freqs[i]), i))[:cap]
        assert by_df == Expansion(sorted(best), True)


def test_expand_prefix_prefers_frequent_terms_when_capped() -> None:
    terms = ["pa", "pb", "pc", "pd", "q"]
    freqs = np.array([1, 9, 1, 9, 100], dtype=np.uint32)
    assert expand_prefix(terms, "p", max_terms=2, doc_freqs=freqs) == Expansion([1, 3], True)
    assert expand_prefix(terms, "p", max_terms=3, doc_freqs=freqs) == Expansion([0, 1, 3], True)
    assert expand_prefix(terms, "p", max_terms=2) == Expansion([0, 1], True)


# --- fuzzy expansion -------------------------------------------------------------------


def brute_force(terms: list[str], word: str, k: int, prefix_length: int) -> list[tuple[int, int]]:
    out = []
    for i, term in enumerate(terms):
        distance = reference_osa(term, word)
        if term.startswith(word[:prefix_length]) and distance <= k:
            out.append((i, distance))
    return out


@settings(max_examples=300)
@given(
    dictionaries(FUZZY_ALPHABET),
    st.text(alphabet=FUZZY_ALPHABET + "d", max_size=6),
    st.integers(min_value=0, max_value=2),
    st.integers(min_value=0, max_value=3),
)
def test_fuzzy_matches_brute_force(terms: list[str], word: str, k: int, prefix_length: int) -> None:
    expected = brute_force(terms, word, k, prefix_length)
    assert scan_fuzzy(terms, word, max_edits=k, prefix_length=prefix_length).matches == expected
    expansion = expand_fuzzy(
        terms, word, max_edits=k, prefix_length=prefix_length, max_terms=len(terms)
    )
    assert expansion == Expansion([i for i, _ in expected], False)


@given(
    dictionaries(UNICODE_ALPHABET, max_len=5),
    st.text(alphabet=UNICODE_ALPHABET, max_size=5),
    st.integers(min_value=1, max_value=2),
)
def test_fuzzy_matches_brute_force_unicode(terms: list[str], word: str, k: int) -> None:
    assert scan_fuzzy(terms, word, max_edits=k).matches == brute_force(terms, word, k, 0)


@given(
    st.sets(st.text(alphabet="ab", min_size=3, max_size=9), min_size=30, max_size=200).map(sorted),
    st.text(alphabet="ab", min_size=4, max_size=7),
)
def test_fuzzy_finds_deep_matches_in_large_blocks(terms: list[str], word: str) -> None:
    # Two letters and long terms: blocks beyond the read-in-full limit, tails looked up.
    assert scan_fuzzy(terms, word, max_edits=2).matches == brute_force(terms, word, 2, 0)


@given(
    dictionaries(FUZZY_ALPHABET),
    st.text(alphabet=FUZZY_ALPHABET, max_size=5),
    st.integers(min_value=0, max_value=2),
    st.integers(min_value=0, max_value=6),
    st.randoms(use_true_random=False),
    st.booleans(),
)
def test_fuzzy_cap_keeps_nearest_then_frequent(
    terms: list[str], word: str, k: int, cap: int, rnd: random.Random, with_freqs: bool
) -> None:
    freqs = np.array([rnd.randrange(3) for _ in terms], dtype=np.uint32)
    matches = brute_force(terms, word, k, 0)
    got = expand_fuzzy(
        terms, word, max_edits=k, max_terms=cap, doc_freqs=freqs if with_freqs else None
    )
    if with_freqs:
        ranked = sorted(matches, key=lambda m: (m[1], -int(freqs[m[0]]), m[0]))
    else:
        ranked = sorted(matches, key=lambda m: (m[1], m[0]))
    assert got == Expansion(sorted(i for i, _ in ranked[:cap]), len(matches) > cap)


def test_fuzzy_cap_example() -> None:
    terms = ["cat", "cats", "coat", "cut", "dog"]
    freqs = np.array([1, 50, 2, 7, 99], dtype=np.uint32)
    # Distances to "cat": cat 0, cats 1, coat 1, cut 1.
    assert expand_fuzzy(terms, "cat", max_edits=1, max_terms=2, doc_freqs=freqs) == Expansion(
        [0, 1], True
    )
    assert expand_fuzzy(terms, "cat", max_edits=1, max_terms=2) == Expansion([0, 1], True)
    assert expand_fuzzy(terms, "cat", max_edits=1, max_terms=3, doc_freqs=freqs) == Expansion(
        [0, 1, 3], True
    )
    assert expand_fuzzy(terms, "cat", max_edits=1, max_terms=3) == Expansion([0, 1, 2], True)
    assert expand_fuzzy(terms, "cat", max_edits=1) == Expansion([0, 1, 2, 3], False)


def test_prefix_length_excludes_first_character_edits() -> None:
    terms = sorted(["ghost", "fhost", "hgost", "ghosts", "gost"])
    with_edits = {terms[i] for i in expand_fuzzy(terms, "ghost", max_edits=1).indices}
    assert with_edits == {"ghost", "fhost", "hgost", "ghosts", "gost"}
    kept = {terms[i] for i in expand_fuzzy(terms, "ghost", max_edits=1, prefix_length=1).indices}
    assert kept == {"ghost", "ghosts", "gost"}


def test_fuzzy_walk_computes_few_rows() -> None:
    rnd = np.random.default_rng(3)
    letters = np.array(list("etaoinshrdlu"))
    terms = sorted({"".join(rnd.choice(letters, size=int(n))) for n in rnd.integers(3, 10, 20_000)})
    word = terms[len(terms) // 2]
    scan = scan_fuzzy(terms, word, max_edits=2)
    assert scan.matches == [
        (i, edit_distance(t, word)) for i, t in enumerate(terms) if edit_distance(t, word) <= 2
    ]
    assert scan.rows_computed < sum(map(len, terms)) // 20


def test_works_on_any_sequence() -> None:
    terms = ("apple", "apply", "banana")
    assert expand_fuzzy(terms, "appla", max_edits=1) == Expansion([0, 1], False)
    assert expand_prefix(terms, "app") == Expansion([0, 1], False)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_edits": 3},
        {"max_edits": -1},
        {"max_edits": 1, "prefix_length": -1},
        {"max_edits": 1, "max_terms": -1},
    ],
)
def test_fuzzy_rejects_bad_arguments(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        expand_fuzzy(["a"], "a", **kwargs)


def test_doc_freqs_must_match_the_dictionary() -> None:
    with pytest.raises(ValueError, match="doc_freqs"):
        expand_fuzzy(["a", "b"], "a", max_edits=1, doc_freqs=np.ones(3, dtype=np.uint32))
    with pytest.raises(ValueError, match="doc_freqs"):
        expand_prefix(["a", "b"], "", doc_freqs=np.ones(1, dtype=np.uint32))
    with pytest.raises(ValueError, match="max_terms"):
        expand_prefix(["a"], "", max_terms=-1)

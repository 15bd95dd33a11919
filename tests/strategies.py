"""Hypothesis strategies for documents and raw postings, shared by the property tests.

Text comes from a small vocabulary (so terms repeat, documents share terms and postings get
tf > 1) that mixes case, accents, non-Latin scripts, stop words, words the stemmer merges
("run"/"running"/"runs"), apostrophes and digits with separators, joined by separators that
split words differently (space, newline, hyphen, comma, period).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from minisearch import KeywordField, NumericField, Schema, StoredField, TextField

FAST = settings(max_examples=25, deadline=None)
# For tests that use `tmp_path` only as a parent for per-example temporary directories.
FAST_TMP = settings(
    FAST, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

VOCABULARY = (
    "apple",
    "Apples",
    "banana",
    "café",
    "CAFE",
    "naïve",
    "straße",
    "東京",
    "Ωmega",
    "ελληνικά",
    "москва",
    "run",
    "running",
    "runs",
    "the",
    "and",
    "of",
    "x1",
    "42",
    "3.14",
    "don't",
    "Sarkozy's",
    "über",
    "ÉCOLE",
    "ﬁne",  # a ligature NFKC turns into "fine"
    "e\u0301te\u0301",  # decomposed accents
    "zebra",
    "a",
)
SEPARATORS = (" ", " ", " ", "\n", " - ", ", ", ". ", "\t", "  ")

ROUNDTRIP_SCHEMA = Schema(
    [
        TextField("title", boost=2.0),
        TextField("body"),
        TextField("tags_text", stored=False),
        KeywordField("tag"),
        NumericField("year"),
        NumericField("score"),
        StoredField("url"),
    ]
)


@st.composite
def texts(draw: st.DrawFn, max_words: int = 25) -> str:
    words = draw(st.lists(st.sampled_from(VOCABULARY), min_size=0, max_size=max_words))
    out: list[str] = []
    for i, word in enumerate(words):
        if i:
            out.append(draw(st.sampled_from(SEPARATORS)))
        out.append(word)
    return "".join(out)


doc_ids = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12
) | st.from_regex(r"d[0-9]{1,4}", fullmatch=True)

keyword_values = st.sampled_from(["en", "fr", "de", "ja", "x y", "Ä", ""]) | st.text(max_size=6)

stored_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def documents(draw: st.DrawFn, doc_id: str) -> dict[str, Any]:
    """One document of `ROUNDTRIP_SCHEMA`; optional fields may be absent or None."""
    doc: dict[str, Any] = {"id": doc_id}

    def maybe(name: str, strategy: st.SearchStrategy[Any]) -> None:
        choice = draw(st.integers(0, 5))
        if choice == 0:
            return  # absent
        if choice == 1:
            doc[name] = None
            return
        doc[name] = draw(strategy)

    maybe("title", texts(max_words=6))
    maybe("body", texts())
    maybe("tags_text", texts(max_words=4))
    maybe("tag", keyword_values | st.lists(keyword_values, max_size=3))
    maybe("year", st.integers(-5000, 5000))
    maybe("score", st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(2**40), 2**40))
    maybe("url", stored_values)
    if draw(st.booleans()):
        doc["extra"] = draw(stored_values)  # not in the schema: stored (store_unknown)
    return doc


@st.composite
def corpora(draw: st.DrawFn, min_size: int = 1, max_size: int = 25) -> list[dict[str, Any]]:
    """Documents with unique ids, in insertion order."""
    ids = draw(st.lists(doc_ids, min_size=min_size, max_size=max_size, unique=True))
    return [draw(documents(doc_id)) for doc_id in ids]


@st.composite
def postings_lists(
    draw: st.DrawFn, with_positions: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray] | None]:
    """Raw postings of one term: ascending doc ids (u32), tfs, field lengths and, optionally,
    the sorted positions in each document.

    Hypothesis draws the shape (df, dense or sparse ids, tf and position ranges, to reach
    every width code and more than one block of 128) and a seed; numpy fills in the arrays,
    which keeps examples small enough to shrink.
    """
    df = draw(
        st.one_of(
            st.integers(1, 6), st.integers(1, 140), st.integers(120, 700), st.integers(1000, 1500)
        )
    )
    dense = draw(st.booleans())
    max_tf = draw(st.sampled_from([1, 3, 255, 256, 70_000]))
    # Extra room for positions, up to the largest the builder can count (u32).
    spread = draw(st.sampled_from([0, 200, 70_000, 2**32 - 1000]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if dense:
        start = int(rng.integers(0, 1000))
        docs = np.arange(start, start + df, dtype=np.uint32)
    else:
        docs = np.sort(rng.choice(2**24, size=df, replace=False)).astype(np.uint32)
    if with_positions:
        max_tf = min(max_tf, 40)
    tfs = rng.integers(1, max_tf + 1, size=df).astype(np.int64)
    tfs[int(rng.integers(0, df))] = max_tf  # reach the width of max_tf
    lengths = tfs + rng.integers(0, 300, size=df)
    positions = None
    if with_positions:
        positions = []
        for tf, length in zip(tfs.tolist(), lengths.tolist(), strict=True):
            pool = length + spread
            picks = (
                rng.choice(pool, size=tf, replace=False)
                if pool < 10**7
                else rng.integers(0, pool, size=tf)
            )
            positions.append(np.unique(picks).astype(np.int64))
        tfs = np.array([len(p) for p in positions], dtype=np.int64)
    return docs, tfs, lengths, positions

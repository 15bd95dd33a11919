"""Helpers shared by the incremental-indexing tests and the stress scripts.

Deterministic document generators (a small vocabulary, so queries match many documents and
statistics matter) and an oracle: a fresh index built from the surviving documents, whose
hits (ids and scores) an incrementally maintained index must reproduce.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from minisearch.index import Index
from minisearch.schema import KeywordField, NumericField, Schema, TextField
from minisearch.writer import IndexWriter

WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
]
QUERIES = ("alpha", "beta gamma", "delta epsilon zeta", "theta kappa mu alpha")
SCHEMA = Schema(
    [TextField("title", boost=2.0), TextField("body"), KeywordField("tag"), NumericField("n")]
)


def make_doc(doc_id: str, rng: random.Random, tag: str = "t") -> dict[str, Any]:
    return {
        "id": doc_id,
        "title": " ".join(rng.choices(WORDS, k=rng.randint(1, 3))),
        "body": " ".join(rng.choices(WORDS, k=rng.randint(1, 12))),
        "tag": tag,
        "n": rng.randint(0, 100),
    }


def build_fresh(path: Path, docs: Iterable[Mapping[str, Any]], schema: Schema = SCHEMA) -> Index:
    """An index holding exactly `docs`, added in this order, in one segment."""
    Index.create(path, schema=schema)
    with IndexWriter(path, merge_policy=None) as writer:
        for doc in docs:
            writer.add(doc)
    return Index.open(path)


def hits(index: Index, query: str, k: int = 10) -> list[tuple[str, float]]:
    return [(h.id, h.score) for h in index.search(query, k)]


def assert_same_hits(
    got: list[tuple[str, float]], want: list[tuple[str, float]], tol: float
) -> None:
    assert [i for i, _ in got] == [i for i, _ in want], (got, want)
    for (_, a), (_, b) in zip(got, want, strict=True):
        assert abs(a - b) <= tol, (got, want)

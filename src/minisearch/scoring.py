"""BM25: parameters, collection statistics and the formulas, as small pure functions.

Scores are computed at query time from raw term frequencies and exact field lengths (the
index stores no scores), so adding documents, deleting them, merging segments or changing
k1 and b never requires a rebuild. Statistics count live documents of all segments, so a
score does not depend on how the index happens to be split. The vectorised forms in
`term_scores` must stay the same arithmetic as the scalar ones: the oracle tests compare them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class Bm25Params:
    """k1 sets term-frequency saturation, b the strength of length normalisation.

    The defaults (k1 2.0, b 0.75) were chosen once for all collections, for BM25F over title
    and body; docs/RELEVANCE.md has the ablation. Classic single-field BM25 often uses 1.2.
    """

    k1: float = 2.0
    b: float = 0.75

    def __post_init__(self) -> None:
        if not (math.isfinite(self.k1) and self.k1 >= 0):
            raise ValueError(f"illegal k1 value: {self.k1}, must be a non-negative finite value")
        if not (math.isfinite(self.b) and 0 <= self.b <= 1):
            raise ValueError(f"illegal b value: {self.b}, must be between 0 and 1")


@dataclass(frozen=True, slots=True)
class FieldStats:
    """Statistics of one field over the live documents of a searcher's snapshot."""

    doc_count: int
    sum_field_len: int

    @property
    def avg_field_len(self) -> float:
        """Average field length; 1.0 for an empty collection so that norms stay finite."""
        if self.doc_count == 0 or self.sum_field_len == 0:
            return 1.0
        return self.sum_field_len / self.doc_count


class StatsProvider(Protocol):
    """What a weight needs to know about the collection (a searcher, or sharded searchers)."""

    def field_stats(self, field: str) -> FieldStats: ...

    def doc_freq(self, field: str, term: str) -> int: ...


def idf(doc_freq: int, doc_count: int) -> float:
    """Lucene's BM25 idf: ``ln(1 + (N - df + 0.5) / (df + 0.5))``, always positive."""
    return math.log(1.0 + (doc_count - doc_freq + 0.5) / (doc_freq + 0.5))


def length_norm(field_len: float, avg_field_len: float, params: Bm25Params) -> float:
    """``k1 * (1 - b + b * dl / avgdl)``: the document-dependent part of the denominator."""
    return params.k1 * (1.0 - params.b + params.b * field_len / avg_field_len)


def tf_norm(term_freq: float, field_len: float, avg_field_len: float, params: Bm25Params) -> float:
    """``tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))``."""
    return (
        term_freq * (params.k1 + 1.0) / (term_freq + length_norm(field_len, avg_field_len, params))
    )


def bm25(
    term_freq: float,
    field_len: float,
    avg_field_len: float,
    doc_freq: int,
    doc_count: int,
    params: Bm25Params,
    boost: float = 1.0,
) -> float:
    """One term's BM25 contribution: ``boost * idf * tf_norm``."""
    return boost * idf(doc_freq, doc_count) * tf_norm(term_freq, field_len, avg_field_len, params)


def bm25f_tf(term_freq: float, field_len: float, avg_field_len: float, b: float) -> float:
    """One field's share of the BM25F pseudo-frequency: ``tf / (1 - b + b * dl / avgdl)``."""
    return term_freq / (1.0 - b + b * field_len / avg_field_len)


def saturate(pseudo_freq: float, params: Bm25Params) -> float:
    """BM25F saturation applied once to the combined frequency: ``tf~ * (k1 + 1) / (k1 + tf~)``."""
    return pseudo_freq * (params.k1 + 1.0) / (params.k1 + pseudo_freq)


def length_norms(
    field_lens: npt.NDArray[Any], avg_field_len: float, params: Bm25Params
) -> npt.NDArray[np.float64]:
    """`length_norm` for every document of a segment (computed once per searcher and field)."""
    return params.k1 * (1.0 - params.b + params.b * (field_lens.astype(np.float64) / avg_field_len))


def term_scores(
    weight: float, term_freqs: npt.NDArray[Any], norms: npt.NDArray[np.float64], k1: float
) -> npt.NDArray[np.float64]:
    """Vectorised `bm25` given ``weight = boost * idf`` and the documents' `length_norms`."""
    tf = term_freqs.astype(np.float64)
    return weight * (tf * (k1 + 1.0) / (tf + norms))


def bm25f_norms(
    field_lens: npt.NDArray[Any], avg_field_len: float, params: Bm25Params
) -> npt.NDArray[np.float64]:
    """``1 - b + b * dl / avgdl`` for every document (the BM25F per-field length factor)."""
    return 1.0 - params.b + params.b * (field_lens.astype(np.float64) / avg_field_len)

"""BM25's formulas against numbers worked out by hand, parameter validation, and the top-k rule.

Hand computations are in the comments, with Lucene's idf ``ln(1 + (N - df + 0.5)/(df + 0.5))``
and ``tf_norm = tf (k1 + 1) / (tf + k1 (1 - b + b dl / avgdl))``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from strategies import FAST

from minisearch.scoring import (
    Bm25Params,
    FieldStats,
    bm25,
    bm25f_norms,
    bm25f_tf,
    idf,
    length_norm,
    length_norms,
    saturate,
    term_scores,
    tf_norm,
)
from minisearch.topk import Candidates, merge_candidates, top_k_indices

DEFAULT = Bm25Params()


# --- idf -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("df", "n", "expected"),
    [
        (
            2,
            10,
            math.log(4.4),
        ),  # 1 + (10 - 2 + 0.5) / 2.5 = 1 + 8.5/2.5 = 4.4 -> 1.4816045409242156
        (1, 1, math.log(1 + 0.5 / 1.5)),  # ln(4/3) = 0.28768207245178085
        (10, 10, math.log(1 + 0.5 / 10.5)),  # every document: small but positive, 0.04652001563489
        (0, 0, math.log(2.0)),  # 1 + 0.5/0.5 = 2
        (1, 1000, math.log(1 + 999.5 / 1.5)),  # ln(667.333...) = 6.503290...
        (500, 1000, math.log(1 + 500.5 / 500.5)),  # half the documents: exactly ln 2
    ],
)
def test_idf_by_hand(df: int, n: int, expected: float) -> None:
    assert idf(df, n) == pytest.approx(expected, rel=1e-15)


def test_idf_literal_values() -> None:
    assert idf(2, 10) == pytest.approx(1.4816045409242156, rel=1e-15)
    assert idf(1, 1) == pytest.approx(0.28768207245178085, rel=1e-15)
    assert idf(500, 1000) == pytest.approx(0.6931471805599453, rel=1e-15)


def test_idf_positive_and_decreasing_in_df() -> None:
    values = [idf(df, 100) for df in range(0, 101)]
    assert all(v > 0 for v in values)
    assert all(a > b for a, b in itertools.pairwise(values))


# --- tf_norm and bm25 ---------------------------------------------------------------------


def test_tf_norm_by_hand() -> None:
    # Defaults k1=2.0, b=0.75. tf=3, dl=10, avgdl=5: K = 2.0 (0.25 + 0.75 * 2) = 3.5; 3 * 3 / 6.5
    assert tf_norm(3, 10, 5.0, DEFAULT) == pytest.approx(9 / 6.5, rel=1e-15)  # 1.3846153...
    assert tf_norm(3, 10, 5.0, DEFAULT) == pytest.approx(1.3846153846153846, rel=1e-12)
    # Average length: K = k1, so tf (k1 + 1) / (tf + k1): tf=1 -> 3 / 3 = 1 exactly.
    assert tf_norm(1, 7, 7.0, DEFAULT) == pytest.approx(1.0, rel=1e-15)
    # Half the average: K = 2.0 (0.25 + 0.375) = 1.25; 2 * 3 / 3.25 = 1.8461538...
    assert tf_norm(2, 5, 10.0, DEFAULT) == pytest.approx(6 / 3.25, rel=1e-15)
    # The classic k1=1.2: K = 1.2 (0.25 + 0.75 * 2) = 2.1; 3 * 2.2 / 5.1 = 1.2941176...
    classic = Bm25Params(k1=1.2, b=0.75)
    assert tf_norm(3, 10, 5.0, classic) == pytest.approx(6.6 / 5.1, rel=1e-15)
    # k1=1.2, half the average: K = 1.2 (0.25 + 0.375) = 0.75; 2 * 2.2 / 2.75 = 1.6
    assert tf_norm(2, 5, 10.0, classic) == pytest.approx(1.6, rel=1e-15)
    # b = 0: no length normalisation, 4 * 1.9 / (4 + 0.9) = 7.6 / 4.9
    p = Bm25Params(k1=0.9, b=0.0)
    assert tf_norm(4, 1000, 3.0, p) == pytest.approx(7.6 / 4.9, rel=1e-15)
    # b = 1: K = k1 dl / avgdl = 2 * 6 / 4 = 3; 1 * 3 / 4
    assert tf_norm(1, 6, 4.0, Bm25Params(k1=2.0, b=1.0)) == pytest.approx(0.75, rel=1e-15)
    # k1 = 0: every matching term counts 1, whatever tf and length.
    assert tf_norm(17, 3, 50.0, Bm25Params(k1=0.0, b=0.75)) == 1.0


def test_length_norm_by_hand() -> None:
    # 2.0 * (1 - 0.75 + 0.75 * 10 / 5) = 2.0 * 1.75 = 3.5
    assert length_norm(10, 5.0, DEFAULT) == pytest.approx(3.5, rel=1e-15)
    # classic k1: 1.2 * 1.75 = 2.1
    assert length_norm(10, 5.0, Bm25Params(k1=1.2, b=0.75)) == pytest.approx(2.1, rel=1e-15)


def test_tf_norm_saturates_below_k1_plus_1() -> None:
    values = [tf_norm(tf, 10, 10.0, DEFAULT) for tf in (1, 2, 5, 50, 10_000)]
    assert all(a < b for a, b in itertools.pairwise(values))
    assert values[-1] < DEFAULT.k1 + 1
    assert values[-1] == pytest.approx(3.0, rel=1e-3)  # k1 + 1 with k1 = 2.0


def test_bm25_by_hand() -> None:
    # N=10, df=2 -> idf = ln 4.4; tf=3, dl=10, avgdl=5, k1=2.0 -> tf_norm = 9/6.5; boost 2
    expected = 2 * math.log(4.4) * 9 / 6.5  # = 2 * 1.4816045 * 1.3846154 = 4.1029049
    assert bm25(3, 10, 5.0, 2, 10, DEFAULT, boost=2.0) == pytest.approx(expected, rel=1e-15)
    assert expected == pytest.approx(4.102904882559366, rel=1e-12)
    # k1=1.2: tf_norm = 6.6/5.1 -> 2 * 1.4816045 * 1.2941176 = 3.8347412
    classic = Bm25Params(k1=1.2, b=0.75)
    assert bm25(3, 10, 5.0, 2, 10, classic, boost=2.0) == pytest.approx(
        3.834741164745029, rel=1e-12
    )
    assert bm25(3, 10, 5.0, 2, 10, DEFAULT) == pytest.approx(expected / 2, rel=1e-15)
    assert bm25(3, 10, 5.0, 2, 10, DEFAULT, boost=0.0) == 0.0


def test_bm25f_by_hand() -> None:
    # One field's share of tf~: tf / (1 - b + b dl / avgdl).
    # tf=3, dl=10, avgdl=5, b=0.75: 3 / (0.25 + 1.5) = 3 / 1.75 = 1.7142857...
    assert bm25f_tf(3, 10, 5.0, 0.75) == pytest.approx(3 / 1.75, rel=1e-15)
    # b = 0: no normalisation; b = 1, dl = avgdl / 2: tf / 0.5
    assert bm25f_tf(4, 1000, 3.0, 0.0) == 4.0
    assert bm25f_tf(1, 2, 4.0, 1.0) == pytest.approx(2.0, rel=1e-15)
    # Saturation once, on tf~: tf~ (k1 + 1) / (k1 + tf~); k1=2, tf~=1 -> 3/3 = 1; tf~=4 -> 12/6 = 2
    assert saturate(1.0, DEFAULT) == pytest.approx(1.0, rel=1e-15)
    assert saturate(4.0, DEFAULT) == pytest.approx(2.0, rel=1e-15)
    assert saturate(0.0, DEFAULT) == 0.0
    # k1 = 0: any match counts 1
    assert saturate(7.5, Bm25Params(k1=0.0, b=0.75)) == 1.0
    # A whole BM25F score, title weight 2, body weight 1, k1 = 2, b = 0.75:
    # title tf=1, dl=4, avgdl=8: 2 * 1 / (0.25 + 0.375) = 3.2; body tf=2, dl=100, avgdl=50:
    # 2 / (0.25 + 1.5) = 1.1428571...; tf~ = 4.3428571...;
    # saturated: 4.342857 * 3 / 6.342857 = 2.0540540...
    pseudo = 2 * bm25f_tf(1, 4, 8.0, 0.75) + bm25f_tf(2, 100, 50.0, 0.75)
    assert pseudo == pytest.approx(3.2 + 2 / 1.75, rel=1e-15)
    assert saturate(pseudo, DEFAULT) == pytest.approx(pseudo * 3 / (2 + pseudo), rel=1e-15)
    assert saturate(pseudo, DEFAULT) == pytest.approx(2.054054054054054, rel=1e-12)
    # bm25f_norms is the vectorised denominator of bm25f_tf.
    norms = bm25f_norms(np.array([4, 10, 0], dtype=np.uint32), 8.0, DEFAULT)
    assert norms.tolist() == pytest.approx([0.625, 0.25 + 0.75 * 10 / 8, 0.25], rel=1e-15)


@FAST
@given(
    tfs=st.lists(st.integers(1, 1000), min_size=1, max_size=30),
    lens=st.lists(st.integers(0, 5000), min_size=30, max_size=30),
    avg=st.floats(0.5, 1000),
    df=st.integers(1, 100),
    extra=st.integers(0, 10_000),
    k1=st.floats(0, 3),
    b=st.floats(0, 1),
    boost=st.floats(0, 10),
)
def test_vectorised_scores_equal_scalar(
    tfs: list[int],
    lens: list[int],
    avg: float,
    df: int,
    extra: int,
    k1: float,
    b: float,
    boost: float,
) -> None:
    """`length_norms` + `term_scores` (what the searcher runs) equal `bm25` per document."""
    params = Bm25Params(k1=k1, b=b)
    n = df + extra
    lengths = np.array(lens[: len(tfs)], dtype=np.uint32)
    norms = length_norms(lengths, avg, params)
    got = term_scores(boost * idf(df, n), np.array(tfs, dtype=np.uint16), norms, params.k1)
    for i, tf in enumerate(tfs):
        want = bm25(tf, int(lengths[i]), avg, df, n, params, boost)
        assert got[i] == pytest.approx(want, rel=1e-12, abs=1e-300)


def test_field_stats_average() -> None:
    assert FieldStats(doc_count=4, sum_field_len=10).avg_field_len == 2.5
    assert FieldStats(doc_count=0, sum_field_len=0).avg_field_len == 1.0  # empty: stays finite
    assert FieldStats(doc_count=3, sum_field_len=0).avg_field_len == 1.0


# --- parameters ------------------------------------------------------------------------------


def test_params_defaults_and_bounds_are_valid() -> None:
    assert (DEFAULT.k1, DEFAULT.b) == (2.0, 0.75)  # docs/RELEVANCE.md
    for k1, b in [(0.0, 0.0), (0.0, 1.0), (100.0, 0.5)]:
        Bm25Params(k1=k1, b=b)


@pytest.mark.parametrize(
    ("k1", "b", "message"),
    [
        (-0.1, 0.75, "illegal k1 value: -0.1, must be a non-negative finite value"),
        (float("nan"), 0.75, "illegal k1 value: nan, must be a non-negative finite value"),
        (float("inf"), 0.75, "illegal k1 value: inf, must be a non-negative finite value"),
        (1.2, 1.5, "illegal b value: 1.5, must be between 0 and 1"),
        (1.2, -0.01, "illegal b value: -0.01, must be between 0 and 1"),
        (1.2, float("nan"), "illegal b value: nan, must be between 0 and 1"),
    ],
)
def test_params_validation_messages(k1: float, b: float, message: str) -> None:
    with pytest.raises(ValueError) as info:
        Bm25Params(k1=k1, b=b)
    assert str(info.value) == message


# --- top k -----------------------------------------------------------------------------------


def test_top_k_ties_go_to_lower_index() -> None:
    scores = np.array([1.0, 3.0, 2.0, 3.0, 2.0, 3.0, 0.5])
    assert top_k_indices(scores, 1).tolist() == [1]
    assert top_k_indices(scores, 2).tolist() == [1, 3]
    assert top_k_indices(scores, 4).tolist() == [1, 3, 5, 2]
    assert top_k_indices(scores, 5).tolist() == [1, 3, 5, 2, 4]
    assert top_k_indices(scores, 100).tolist() == [1, 3, 5, 2, 4, 0, 6]
    assert top_k_indices(np.full(6, 0.25), 3).tolist() == [0, 1, 2]
    assert top_k_indices(scores, 0).tolist() == []
    assert top_k_indices(np.zeros(0), 5).tolist() == []


@FAST
@given(st.lists(st.integers(0, 4), max_size=300), st.integers(0, 320))
@example([0] * 200, 10)
@example([1, 0, 1], 1)
@example([i % 3 for i in range(300)], 10)  # past SORT_ALL_MAX: the partition path
def test_top_k_matches_a_full_sort(values: list[int], k: int) -> None:
    scores = np.array(values, dtype=np.float64) / 4  # few distinct values: many ties
    expected = sorted(range(len(values)), key=lambda i: (-scores[i], i))[:k]
    assert top_k_indices(scores, k).tolist() == expected


@FAST
@given(
    st.lists(st.lists(st.integers(0, 3), max_size=40), min_size=1, max_size=5),
    st.integers(1, 60),
)
def test_merge_candidates_follows_index_order(segments: list[list[int]], k: int) -> None:
    """Across segments: score descending, then segment order, then doc number."""
    parts = []
    everything = []
    for seg, values in enumerate(segments):
        scores = np.array(values, dtype=np.float64)
        best = top_k_indices(scores, k)
        parts.append(Candidates(seg, best.astype(np.uint32), scores[best]))
        everything += [(seg, doc, float(s)) for doc, s in enumerate(scores)]
    expected = sorted(everything, key=lambda t: (-t[2], t[0], t[1]))[:k]
    assert list(zip(*merge_candidates(parts, k), strict=True)) == expected

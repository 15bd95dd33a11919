"""Dynamic pruning must be invisible: pruned top k equals exhaustive top k, ties included.

Every strategy of `segment_top_k` (dense bincount, MaxScore, and the exhaustive
`Weight.matches` path) runs on the same segments and queries; the documents, the scores (bit
for bit, not only to 1e-6), the tie order and the total must agree. Corpora come from a small
Zipf-like vocabulary with duplicated documents (exact ties), several segments, and deletions;
queries mix frequent and rare words, repeated words and boosts, over one field (BM25) and two
(BM25F). `Searcher.search` is checked end to end too, with MaxScore forced on tiny segments.
"""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

import numpy as np
import pytest
from conftest import open_writer
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import FAST_TMP

import minisearch.query.disjunction as disjunction
from minisearch import Bm25Params, Index, Schema, TextField
from minisearch.query.execute import segment_top_k, term_disjunction
from minisearch.query.weight import TermWeight, create_weight

# The numba kernel's code is checked as written everywhere, and compiled where numba is.
KERNELS = ["python"] + (["numba"] if importlib.util.find_spec("numba") else [])

WORDS = [f"w{i}" for i in range(40)]
# Zipf-like: w0 is in most documents, w39 in few.
WORD_WEIGHTS = [1.0 / (i + 1) for i in range(len(WORDS))]


@st.composite
def documents(draw: st.DrawFn) -> list[str]:
    n = draw(st.integers(1, 120))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    p = np.array(WORD_WEIGHTS) / sum(WORD_WEIGHTS)
    texts = [" ".join(rng.choice(WORDS, size=int(rng.integers(1, 25)), p=p)) for _ in range(n)]
    duplicates = draw(st.lists(st.integers(0, n - 1), max_size=max(1, n // 3)))
    return texts + [texts[i] for i in duplicates]


queries = st.lists(
    st.tuples(st.sampled_from(WORDS), st.sampled_from([None, 0.5, 2.0, 3.0])),
    min_size=1,
    max_size=6,
).map(lambda words: " ".join(w if b is None else f"{w}^{b}" for w, b in words))


def build(root: Path, texts: list[str], fields: int, segments: int, deletes: list[int]) -> Index:
    schema = Schema(
        [TextField("title", boost=2.0), TextField("body")] if fields == 2 else [TextField("body")]
    )
    index = Index.create(root / "index", schema=schema)
    chunks = np.array_split(np.arange(len(texts)), segments)
    with open_writer(index.path) as writer:
        for chunk in chunks:
            for i in chunk:
                text = texts[i]
                doc = {"id": str(i), "body": text}
                if fields == 2:
                    doc["title"] = " ".join(text.split()[:3])
                writer.add(doc)
            writer.commit()
        for i in deletes:
            writer.delete(str(i % len(texts)))
        writer.commit()
    return index


def assert_strategies_agree(index: Index, query: str, wanted: int) -> None:
    params = Bm25Params(k1=1.2, b=0.75)
    # Whole searches: every segment after the first starts from the best scores before it.
    runs = {}
    for strategy in ("exhaustive", "dense", "maxscore", "auto"):
        with index.searcher(params=params) as searcher:
            searcher.strategy = strategy
            found = searcher.search(query, k=wanted, stored_fields=False)
            runs[strategy] = ([(h.id, h.score) for h in found], found.total)
    for kernel in KERNELS:
        with index.searcher(params=params) as searcher:
            searcher.strategy, searcher.kernel = "dense", kernel
            found = searcher.search(query, k=wanted, stored_fields=False)
            runs[kernel] = ([(h.id, h.score) for h in found], found.total)
    assert all(run == runs["exhaustive"] for run in runs.values())
    with index.searcher(params=params) as searcher:
        weight = create_weight(searcher.parse(query), searcher, searcher.params)
        assert term_disjunction(weight) is not None
        for context in searcher._contexts:
            expected = segment_top_k(weight, context, wanted, "exhaustive")
            runs = [(s, "numpy") for s in ("dense", "maxscore", "auto")]
            for strategy, kernel in runs + [("dense", k) for k in KERNELS]:
                got = segment_top_k(weight, context, wanted, strategy, kernel=kernel)
                assert got.docs.tolist() == expected.docs.tolist(), (strategy, kernel)
                assert got.scores.tolist() == expected.scores.tolist(), (strategy, kernel)
                assert got.total == expected.total, (strategy, kernel)


@settings(FAST_TMP, max_examples=100)
@given(
    texts=documents(),
    query_list=st.lists(queries, min_size=1, max_size=4),
    wanted=st.sampled_from([1, 2, 3, 10, 50]),
    fields=st.sampled_from([1, 2]),
    segments=st.integers(1, 3),
    deletes=st.lists(st.integers(0, 200), max_size=10),
)
def test_every_strategy_returns_the_exhaustive_top_k(
    tmp_path: Path,
    texts: list[str],
    query_list: list[str],
    wanted: int,
    fields: int,
    segments: int,
    deletes: list[int],
) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as root:
        index = build(Path(root), texts, fields, min(segments, len(texts)), deletes)
        try:
            for query in query_list:
                assert_strategies_agree(index, query, wanted)
        finally:
            index.close()


def test_maxscore_prunes_and_still_matches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A corpus where frequent words are many and rare ones few: MaxScore's probe phase runs."""
    probed: list[int] = []
    real_probe = TermWeight.probe

    def counting_probe(self, segment, docs):  # type: ignore[no-untyped-def]
        probed.append(len(docs))
        return real_probe(self, segment, docs)

    monkeypatch.setattr(TermWeight, "probe", counting_probe)
    rng = np.random.default_rng(3)
    texts = []
    for i in range(3000):
        words = list(rng.choice(WORDS[:3], size=8))
        if i % 97 == 0:
            words.append("w39")
        if i % 13 == 0:
            words.append("w30")
        texts.append(" ".join(words))
    index = build(tmp_path, texts, 1, 1, deletes=[0, 97 * 3])
    try:
        for query in ("w39 w0 w1", "w39 w30 w2 w0", "w0 w1 w2", "w30^3 w0"):
            for wanted in (1, 5, 10, 100):
                probed.clear()
                assert_strategies_agree(index, query, wanted)
                if query.startswith("w39") and wanted <= 10:
                    # Rare w39 is scored in full; the frequent words are only probed, for the
                    # few candidates it brought (in the whole search and in the segment run).
                    assert len(probed) == 2 * (len(query.split()) - 1)
                    assert max(probed) < 3000 / 97 + 1
    finally:
        index.close()


def test_search_is_the_same_with_pruning_forced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(5)
    p = np.array(WORD_WEIGHTS) / sum(WORD_WEIGHTS)
    texts = [" ".join(rng.choice(WORDS, size=12, p=p)) for _ in range(400)]
    texts += texts[:50]  # exact ties
    index = build(tmp_path, texts, 2, 2, deletes=[1, 2, 3])
    queries = ["w0 w5 w30", "w1 w2", "w39 w38 w0^2", "w10 w11 w12 w13 w14"]
    try:
        with index.searcher() as searcher:
            dense = [searcher.search(q, k=20, offset=3) for q in queries]
        monkeypatch.setattr(disjunction, "MAXSCORE_DOCS_PER_CLAUSE", 1)
        with index.searcher() as searcher:
            pruned = [searcher.search(q, k=20, offset=3) for q in queries]
        for a, b in zip(dense, pruned, strict=True):
            assert [(h.id, h.score) for h in a] == [(h.id, h.score) for h in b]
            assert a.total == b.total
            assert len(a) == 20
    finally:
        index.close()

"""The engine's ranked results against an independent brute-force BM25 written here.

The oracle shares nothing with the engine but the analyzer (to turn text into terms): it
counts term frequencies, document frequencies and field lengths itself, computes Lucene's
BM25 with `math.log`, and orders by score descending then insertion order ascending. The
engine must return the same ids in the same order with the same scores (1e-5), on the seeds
corpus, a sample of SciFact, a synthetic corpus full of exact ties, under different k1/b and
boosts, and whatever the number of segments the index was built in.

The engine is given explicit `TermQuery` clauses (one per query token and text field, with
the field's boost), which are scored as per-field BM25 summed over fields; a query STRING of
plain words over several text fields is BM25F instead (docs/RELEVANCE.md), which
`Oracle.ranking_bm25f` computes (tests/test_relevance_oracle.py covers that model in depth).
k1 and b are `Bm25Params()`'s defaults (2.0, 0.75) unless a test names others.
"""

from __future__ import annotations

import gzip
import itertools
import json
import math
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import DATASETS, open_writer

from minisearch import (
    AnalyzerConfig,
    Bm25Params,
    BooleanQuery,
    Index,
    Schema,
    TermQuery,
    TextField,
)
from minisearch.analysis import Analyzer
from minisearch.index_files import index_sources

SCIFACT = DATASETS / "scifact"

SEED_QUERIES = [
    "Crimea referendum",
    "Lavrov Kerry talks",
    "Russia",
    "Sarkozy's TV plea of innocence",
    "vote vote Crimea",  # a repeated query term counts twice
    "Ukraine's crisis",
    "UN Security Council resolution",
    "zzyzx nonexistent",
    "RUSSIAN troops",
    "Crimée référendum",  # accent folding
    "14.03.2014",
    "Putin Yanukovych Kiev Kyiv Moscow",
]


# --- the oracle ----------------------------------------------------------------------------


@dataclass
class OracleDoc:
    id: str
    fields: dict[str, Counter[str]]
    lengths: dict[str, int]


class Oracle:
    """Brute-force BM25 over the live documents, in index (insertion) order."""

    def __init__(
        self,
        analyzer: Analyzer,
        docs: Sequence[tuple[str, Mapping[str, str]]],
        boosts: Mapping[str, float],
    ) -> None:
        self.analyzer = analyzer
        self.boosts = dict(boosts)
        self.docs: list[OracleDoc] = []
        for doc_id, fields in docs:
            counters: dict[str, Counter[str]] = {}
            lengths: dict[str, int] = {}
            for name in self.boosts:
                terms = analyzer.terms(fields.get(name) or "")
                counters[name] = Counter(terms)
                lengths[name] = len(terms)
            self.docs.append(OracleDoc(doc_id, counters, lengths))
        n = len(self.docs)
        self.n = n
        self.order = {d.id: i for i, d in enumerate(self.docs)}
        self.avgdl: dict[str, float] = {}
        self.df: dict[str, Counter[str]] = {}
        for name in self.boosts:
            total = sum(d.lengths[name] for d in self.docs)
            self.avgdl[name] = total / n if n and total else 1.0
            df: Counter[str] = Counter()
            for d in self.docs:
                df.update(d.fields[name].keys())
            self.df[name] = df

    def idf(self, name: str, term: str) -> float:
        df = self.df[name][term]
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def ranking(self, query: str, k1: float = 2.0, b: float = 0.75) -> list[tuple[str, float]]:
        """Per-field BM25 summed over fields (what explicit `TermQuery` clauses compute):
        every matching document as (id, score), best first, ties in insertion order.
        k1 and b default to `Bm25Params()`'s documented defaults (docs/RELEVANCE.md)."""
        qterms = self.analyzer.terms(query)
        scored: list[tuple[float, int, str]] = []
        for order, d in enumerate(self.docs):
            score = 0.0
            matched = False
            for term in qterms:  # each query token (duplicates included) x each text field
                for name, boost in self.boosts.items():
                    tf = d.fields[name][term]
                    if tf == 0:
                        continue
                    matched = True
                    dl = d.lengths[name]
                    norm = tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / self.avgdl[name]))
                    score += boost * self.idf(name, term) * norm
            if matched:
                scored.append((score, order, d.id))
        scored.sort(key=lambda t: (-t[0], t[1]))
        return [(doc_id, score) for score, _, doc_id in scored]

    def ranking_bm25f(
        self, query: str, k1: float = 2.0, b: float = 0.75
    ) -> list[tuple[str, float]]:
        """BM25F (docs/RELEVANCE.md), what a query string of plain words computes over two or
        more default text fields: per query token (duplicates counted each time),
        ``tf~ = sum_f w_f tf_f / (1 - b + b dl_f / avgdl_f)``, one idf from the documents
        having the term in any field, saturated once: ``idf tf~ (k1 + 1) / (k1 + tf~)``."""
        qterms = self.analyzer.terms(query)
        df_any: Counter[str] = Counter()
        for d in self.docs:
            df_any.update({t for name in self.boosts for t in d.fields[name]})
        scored: list[tuple[float, int, str]] = []
        for order, d in enumerate(self.docs):
            score = 0.0
            matched = False
            for term in qterms:
                pseudo = 0.0
                present = False
                for name, weight in self.boosts.items():
                    tf = d.fields[name][term]
                    if tf == 0:
                        continue
                    present = True
                    pseudo += weight * tf / (1 - b + b * d.lengths[name] / self.avgdl[name])
                if not present:
                    continue
                matched = True
                df = df_any[term]
                term_idf = math.log(1 + (self.n - df + 0.5) / (df + 0.5))
                score += term_idf * pseudo * (k1 + 1) / (k1 + pseudo)
            if matched:
                scored.append((score, order, d.id))
        scored.sort(key=lambda t: (-t[0], t[1]))
        return [(doc_id, score) for score, _, doc_id in scored]


def near_tie_groups(scores: Sequence[float]) -> list[int]:
    """Group number of each position of a descending score list; a group chains scores
    equal up to float noise (1e-9 relative), which differently ordered arithmetic produces
    for mathematically equal scores (e.g. tf=1, dl=2 and tf=2, dl=4 when b=1)."""
    groups: list[int] = []
    for i, s in enumerate(scores):
        if i and abs(scores[i - 1] - s) <= 1e-9 * max(1.0, abs(s)):
            groups.append(groups[-1])
        else:
            groups.append(i)
    return groups


def assert_same_ranking(
    got: Sequence[tuple[str, float]],
    expected: Sequence[tuple[str, float]],
    context: str,
    k: int | None = None,
    order: Mapping[str, int] | None = None,
) -> None:
    """`got` (the engine's top k) against `expected` (the oracle's full ranking).

    Scores agree rank by rank to 1e-5; ids agree exactly except that documents whose oracle
    scores are equal up to float noise may come in either order (the engine's own float
    scores decide); and the engine's list obeys the tie rule exactly on its own scores:
    score descending, then index order ascending (`order`: id -> insertion position).
    """
    k = len(expected) if k is None else k
    top = list(expected[:k])
    assert len(got) == len(top), f"{context}: {len(got)} hits, expected {len(top)}"
    for rank, ((gid, gs), (_, es)) in enumerate(zip(got, top, strict=True), 1):
        assert gs == pytest.approx(es, rel=1e-5, abs=1e-5), (
            f"{context}: rank {rank} ({gid}) score {gs} != {es}"
        )
    groups = near_tie_groups([s for _, s in expected])
    members: dict[int, set[str]] = {}
    for (doc_id, _), g in zip(expected, groups, strict=True):
        members.setdefault(g, set()).add(doc_id)
    for rank, ((gid, _), g) in enumerate(zip(got, groups, strict=False), 1):
        assert gid in members[g], (
            f"{context}: rank {rank} is {gid}, expected one of {sorted(members[g])[:8]}"
            f"\n got      {list(got[:12])}\n expected {top[:12]}"
        )
    assert len({gid for gid, _ in got}) == len(got), f"{context}: duplicate ids {got}"
    if order is not None:
        for (a, sa), (b, sb) in itertools.pairwise(got):
            assert sa > sb or (sa == sb and order[a] < order[b]), (
                f"{context}: tie rule broken between {a} ({sa!r}) and {b} ({sb!r})"
            )


def plain_query(index: Index, text: str) -> BooleanQuery:
    """The plain-text query the brief specifies, built directly from the public query types:
    every analyzed token (duplicates included) x every text field (with its boost), OR-ed.

    Built by hand rather than parsed so that query-language syntax in the SciFact queries
    (hyphens, parentheses, quotes) cannot change what is being compared.
    """
    terms = Analyzer(index.analyzer_config).terms(text)
    fields = index.schema.text_fields
    return BooleanQuery(should=tuple(TermQuery(f.name, t, f.boost) for t in terms for f in fields))


def engine_ranking(
    searcher_or_index, query: str | BooleanQuery, k: int
) -> tuple[list[tuple[str, float]], int]:
    res = searcher_or_index.search(query, k=k)
    assert [h.rank for h in res.hits] == list(range(1, len(res.hits) + 1))
    return [(h.id, h.score) for h in res.hits], res.total


def check_queries(
    index: Index,
    oracle: Oracle,
    queries: Sequence[str],
    ks: Sequence[int],
    params: Bm25Params | None = None,
) -> None:
    params = params or Bm25Params()
    with index.searcher(params=params) as searcher:
        for query in queries:
            expected = oracle.ranking(query, params.k1, params.b)
            for k in ks:
                got, total = engine_ranking(searcher, plain_query(index, query), k)
                assert total == len(expected), f"{query!r}: total"
                assert_same_ranking(got, expected, f"{query!r} k={k} {params}", k, oracle.order)


def build(
    path: Path,
    schema: Schema,
    docs: Sequence[Mapping[str, str]],
    *,
    sessions: int = 1,
    memory_budget_mb: float = 256.0,
) -> Index:
    """An index of `docs` written in `sessions` commits, flushing at `memory_budget_mb`, with
    automatic merging off (so the segment count is what the test asked for)."""
    index = Index.create(path, schema=schema, analyzer=AnalyzerConfig())
    per = max(1, math.ceil(len(docs) / sessions))
    for start in range(0, len(docs), per):
        with open_writer(path, memory_budget_mb=memory_budget_mb) as w:
            for doc in docs[start : start + per]:
                w.add(doc)
    return index


def segment_count(index: Index) -> int:
    return index.info().segments


# --- corpora -------------------------------------------------------------------------------


def seed_documents(seeds_dir: Path) -> list[tuple[str, dict[str, str]]]:
    """The seeds as the documented text-file mapping: id = file name, title = first line."""
    docs = []
    for path in sorted(seeds_dir.iterdir()):
        body = path.read_text(encoding="utf-8")
        title = next((line.strip() for line in body.splitlines() if line.strip()), "")
        docs.append((path.name, {"title": title, "body": body}))
    return docs


def load_scifact(n_docs: int = 400, n_queries: int = 50) -> tuple[list[dict[str, str]], list[str]]:
    if not (SCIFACT / "corpus.jsonl.gz").exists():
        pytest.skip(f"SciFact dataset not found under {SCIFACT}")
    with gzip.open(SCIFACT / "corpus.jsonl.gz", "rt", encoding="utf-8") as f:
        corpus = [json.loads(line) for line in f]
    with gzip.open(SCIFACT / "queries.jsonl.gz", "rt", encoding="utf-8") as f:
        queries = [json.loads(line) for line in f][:n_queries]
    relevant: set[str] = set()
    qrels = SCIFACT / "qrels" / "test.tsv.gz"
    if qrels.exists():
        wanted = {q["_id"] for q in queries}
        with gzip.open(qrels, "rt", encoding="utf-8") as f:
            next(f)
            for line in f:
                qid, did, _ = line.rstrip("\n").split("\t")
                if qid in wanted:
                    relevant.add(did)
    rng = random.Random(20240611)
    chosen = [d for d in corpus if d["_id"] in relevant]
    others = [d for d in corpus if d["_id"] not in relevant]
    chosen += rng.sample(others, n_docs - len(chosen))
    rng.shuffle(chosen)
    docs = [{"id": d["_id"], "title": d["title"], "text": d["text"]} for d in chosen]
    return docs, [q["text"] for q in queries]


VOCAB = [
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
    "nu",
    "xi",
    "omicron",
    "pi",
    "rho",
    "sigma",
    "tau",
    "upsilon",
]


def synthetic_documents(n: int = 300, seed: int = 7) -> list[dict[str, str]]:
    """Short documents over a tiny vocabulary: many documents tie exactly."""
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        title = " ".join(rng.choice(VOCAB[:6]) for _ in range(rng.randint(0, 3)))
        body = " ".join(rng.choice(VOCAB) for _ in range(rng.randint(1, 8)))
        docs.append({"id": f"s{i:04d}", "title": title, "body": body})
    return docs


SYNTHETIC_QUERIES = [
    "alpha",
    "beta gamma",
    "alpha alpha beta",
    "upsilon",
    "sigma tau upsilon rho",
    "zeta eta theta iota kappa lambda",
    "omega",
]


def as_oracle_docs(docs: Sequence[Mapping[str, str]]) -> list[tuple[str, Mapping[str, str]]]:
    return [(d["id"], d) for d in docs]


# --- (a) seeds -----------------------------------------------------------------------------


def test_seeds_match_oracle(tmp_path: Path, seeds_dir: Path) -> None:
    index_path = tmp_path / "idx"
    summary = index_sources(index_path, [seeds_dir])
    assert summary.documents == 5
    index = Index.open(index_path)
    # `minisearch index`'s schema for text files: title weighted 2, body 1 (docs/RELEVANCE.md).
    assert [(f.name, f.boost) for f in index.schema.text_fields] == [("title", 2.0), ("body", 1.0)]
    analyzer = Analyzer(index.analyzer_config)
    oracle = Oracle(analyzer, seed_documents(seeds_dir), {"title": 2.0, "body": 1.0})
    check_queries(index, oracle, SEED_QUERIES, ks=(1, 3, 10, 100))
    # The facade's cached searcher, given the query as a string of plain words (no
    # query-language syntax involved), scores each word with BM25F over title and body.
    plain = [q for q in SEED_QUERIES if all(w.isalpha() for w in q.split())]
    assert len(plain) >= 6
    differs = 0
    for query in plain:
        got, _ = engine_ranking(index, query, 10)
        expected = oracle.ranking_bm25f(query)
        assert_same_ranking(got, expected, f"Index.search {query!r}", 10, oracle.order)
        # (a term found in one field only scores the same under both models; one found in
        # title and body does not)
        summed = oracle.ranking(query)
        differs += any(
            e[1] != pytest.approx(m[1], rel=1e-6) for e, m in zip(expected, summed, strict=True)
        )
    assert differs >= 3, "BM25F and the per-field sum should differ on these queries"


def test_seeds_crimea_referendum_top_hit(tmp_path: Path, seeds_dir: Path) -> None:
    """A concrete anchor besides the oracle: the DW article on the referendum ranks first."""
    index_sources(tmp_path / "idx", [seeds_dir])
    res = Index.open(tmp_path / "idx").search("Crimea referendum", k=10)
    assert res.hits[0].id == "002_7bcb281cd61d8685.txt"
    assert res.hits[0].fields["title"].startswith("West and Russia still differ on Crimea")


@pytest.mark.parametrize("query", ["the and of", "a the", "The OF"])
def test_query_without_terms_matches_nothing(tmp_path: Path, seeds_dir: Path, query: str) -> None:
    """A query that analyzes to no term (stop words only) has no hits, as a string and as the
    empty OR of its (no) clauses: a document needs at least one query term in some field."""
    index_sources(tmp_path / "idx", [seeds_dir])
    index = Index.open(tmp_path / "idx")
    assert Analyzer(index.analyzer_config).terms(query) == []
    res = index.search(query, k=10)
    assert (res.total, [h.id for h in res.hits]) == (0, [])
    res = index.search(plain_query(index, query), k=10)
    assert (res.total, [h.id for h in res.hits]) == (0, [])


# --- (b) SciFact sample ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def scifact() -> tuple[list[dict[str, str]], list[str]]:
    return load_scifact()


@pytest.fixture(scope="module")
def scifact_two_fields(
    tmp_path_factory: pytest.TempPathFactory, scifact: tuple[list[dict[str, str]], list[str]]
) -> Index:
    docs, _ = scifact
    schema = Schema([TextField("title"), TextField("text")])
    return build(tmp_path_factory.mktemp("scifact2") / "idx", schema, docs)


def test_scifact_two_fields(
    scifact: tuple[list[dict[str, str]], list[str]], scifact_two_fields: Index
) -> None:
    docs, queries = scifact
    assert len(docs) == 400 and len(queries) == 50
    oracle = Oracle(Analyzer(AnalyzerConfig()), as_oracle_docs(docs), {"title": 1.0, "text": 1.0})
    check_queries(scifact_two_fields, oracle, queries, ks=(10, 100))


def test_scifact_one_field(tmp_path: Path, scifact: tuple[list[dict[str, str]], list[str]]) -> None:
    docs, queries = scifact
    merged = [{"id": d["id"], "text": f"{d['title']}\n{d['text']}"} for d in docs]
    index = build(tmp_path / "idx", Schema([TextField("text")]), merged)
    oracle = Oracle(Analyzer(AnalyzerConfig()), as_oracle_docs(merged), {"text": 1.0})
    check_queries(index, oracle, queries, ks=(10, 100))


# --- (c) parameters and boosts -----------------------------------------------------------

PARAMS = [
    Bm25Params(k1=0.9, b=0.4),
    Bm25Params(k1=2.0, b=1.0),
    Bm25Params(k1=1.2, b=0.0),
    Bm25Params(k1=0.0, b=0.75),  # no tf saturation at all: every match counts 1 x idf
]


@pytest.mark.parametrize("params", PARAMS, ids=lambda p: f"k1={p.k1},b={p.b}")
def test_params_seeds_and_synthetic(tmp_path: Path, seeds_dir: Path, params: Bm25Params) -> None:
    index_sources(tmp_path / "seeds_idx", [seeds_dir])
    index = Index.open(tmp_path / "seeds_idx")
    oracle = Oracle(Analyzer(AnalyzerConfig()), seed_documents(seeds_dir), {"title": 2, "body": 1})
    check_queries(index, oracle, SEED_QUERIES, ks=(10,), params=params)

    docs = synthetic_documents()
    schema = Schema([TextField("title"), TextField("body")])
    synth = build(tmp_path / "synth_idx", schema, docs)
    oracle = Oracle(Analyzer(AnalyzerConfig()), as_oracle_docs(docs), {"title": 1, "body": 1})
    check_queries(synth, oracle, SYNTHETIC_QUERIES, ks=(5, 50, 400), params=params)


@pytest.mark.parametrize("params", PARAMS[:2], ids=lambda p: f"k1={p.k1},b={p.b}")
def test_params_scifact(
    scifact: tuple[list[dict[str, str]], list[str]], scifact_two_fields: Index, params: Bm25Params
) -> None:
    docs, queries = scifact
    oracle = Oracle(Analyzer(AnalyzerConfig()), as_oracle_docs(docs), {"title": 1.0, "text": 1.0})
    check_queries(scifact_two_fields, oracle, queries[:20], ks=(10,), params=params)


def test_boosted_field_synthetic(tmp_path: Path) -> None:
    docs = synthetic_documents(seed=11)
    schema = Schema([TextField("title", boost=2.5), TextField("body", boost=0.5)])
    index = build(tmp_path / "idx", schema, docs)
    oracle = Oracle(Analyzer(AnalyzerConfig()), as_oracle_docs(docs), {"title": 2.5, "body": 0.5})
    check_queries(index, oracle, SYNTHETIC_QUERIES, ks=(10, 400))
    check_queries(index, oracle, SYNTHETIC_QUERIES, ks=(10,), params=Bm25Params(k1=0.9, b=0.4))


def test_boosted_field_scifact(
    tmp_path: Path, scifact: tuple[list[dict[str, str]], list[str]]
) -> None:
    docs, queries = scifact
    schema = Schema([TextField("title", boost=3.0), TextField("text")])
    index = build(tmp_path / "idx", schema, docs)
    oracle = Oracle(Analyzer(AnalyzerConfig()), as_oracle_docs(docs), {"title": 3.0, "text": 1.0})
    check_queries(index, oracle, queries[:25], ks=(10, 100))


def test_zero_boost_field_still_matches_with_zero_contribution(tmp_path: Path) -> None:
    docs = synthetic_documents(n=60, seed=3)
    schema = Schema([TextField("title", boost=0.0), TextField("body")])
    index = build(tmp_path / "idx", schema, docs)
    oracle = Oracle(Analyzer(AnalyzerConfig()), as_oracle_docs(docs), {"title": 0.0, "body": 1.0})
    check_queries(index, oracle, SYNTHETIC_QUERIES, ks=(100,))


# --- (d) segmentation must not change anything ----------------------------------------------


def _rankings(index: Index, queries: Sequence[str], k: int) -> list[list[tuple[str, float]]]:
    with index.searcher() as s:
        return [engine_ranking(s, plain_query(index, q), k)[0] for q in queries]


def test_segments_do_not_change_results_synthetic(tmp_path: Path) -> None:
    docs = synthetic_documents(n=300, seed=5)
    schema = Schema([TextField("title"), TextField("body")])
    one = build(tmp_path / "one", schema, docs)
    assert segment_count(one) == 1
    sessions = build(tmp_path / "sessions", schema, docs, sessions=7)
    assert segment_count(sessions) == 7
    tiny = build(tmp_path / "tiny", schema, docs, memory_budget_mb=0.005)
    assert segment_count(tiny) > 7
    for k in (1, 10, 300):
        expected = _rankings(one, SYNTHETIC_QUERIES, k)
        # Exactly the same hits, order and scores: statistics are global, arithmetic per doc.
        assert _rankings(sessions, SYNTHETIC_QUERIES, k) == expected
        assert _rankings(tiny, SYNTHETIC_QUERIES, k) == expected
    oracle = Oracle(Analyzer(AnalyzerConfig()), as_oracle_docs(docs), {"title": 1, "body": 1})
    check_queries(tiny, oracle, SYNTHETIC_QUERIES, ks=(10, 300))


def test_segments_do_not_change_results_scifact(
    tmp_path: Path,
    scifact: tuple[list[dict[str, str]], list[str]],
    scifact_two_fields: Index,
) -> None:
    docs, queries = scifact
    schema = Schema([TextField("title"), TextField("text")])
    split = build(tmp_path / "split", schema, docs, sessions=3, memory_budget_mb=0.5)
    assert segment_count(split) > 3
    for k in (10, 100):
        assert _rankings(split, queries, k) == _rankings(scifact_two_fields, queries, k)


def test_merged_segments_give_the_same_results(tmp_path: Path) -> None:
    """Merging (forced, and by the automatic policy) changes neither hits, order nor scores,
    also when the merged segments carried deletions."""
    docs = synthetic_documents(n=300, seed=21)
    schema = Schema([TextField("title"), TextField("body")])
    split = build(tmp_path / "split", schema, docs, sessions=12)
    with open_writer(tmp_path / "split") as w:
        for doc_id in ("s0003", "s0150", "s0299"):
            assert w.delete(doc_id)
    live = [d for d in docs if d["id"] not in ("s0003", "s0150", "s0299")]
    fresh = build(tmp_path / "fresh", schema, live)
    expected = {k: _rankings(fresh, SYNTHETIC_QUERIES, k) for k in (10, 300)}
    assert segment_count(split) == 12
    for k in (10, 300):
        assert _rankings(split, SYNTHETIC_QUERIES, k) == expected[k]
    auto = Index.create(tmp_path / "auto", schema=schema)
    for start in range(0, len(live), 10):  # many small commits under the default merge policy
        with auto.writer() as w:
            for d in live[start : start + 10]:
                w.add(d)
    assert segment_count(auto) < len(live) // 10
    for k in (10, 300):
        assert _rankings(auto, SYNTHETIC_QUERIES, k) == expected[k]
    with open_writer(tmp_path / "split") as w:
        w.merge(max_segments=1)
    assert segment_count(split) == 1
    assert Index.open(tmp_path / "split").info().deleted == 0
    for k in (10, 300):
        assert _rankings(split, SYNTHETIC_QUERIES, k) == expected[k]


def test_updates_and_deletes_across_segments_match_oracle(tmp_path: Path) -> None:
    """N, df and avgdl count live documents only; an updated document moves to the end."""
    docs = synthetic_documents(n=200, seed=9)
    schema = Schema([TextField("title"), TextField("body")])
    index = build(tmp_path / "idx", schema, docs, sessions=4)
    live: dict[str, dict[str, str]] = {d["id"]: d for d in docs}
    rng = random.Random(1)
    with open_writer(tmp_path / "idx", memory_budget_mb=0.01) as w:
        for doc_id in rng.sample(sorted(live), 40):
            assert w.delete(doc_id)
            del live[doc_id]
        for doc_id in rng.sample(sorted(live), 30):
            new = {"id": doc_id, "title": "alpha beta", "body": " ".join(rng.sample(VOCAB, 4))}
            w.add(new)
            del live[doc_id]  # re-inserted at the end: index order follows the last add
            live[doc_id] = new
    assert index.info().documents == len(live) == 160
    oracle = Oracle(
        Analyzer(AnalyzerConfig()), as_oracle_docs(list(live.values())), {"title": 1, "body": 1}
    )
    check_queries(index, oracle, SYNTHETIC_QUERIES, ks=(10, 200))

    # The same live documents in one fresh segment give the same ranking and scores.
    fresh = build(tmp_path / "fresh", schema, list(live.values()))
    for k in (10, 200):
        got = _rankings(index, SYNTHETIC_QUERIES, k)
        expected = _rankings(fresh, SYNTHETIC_QUERIES, k)
        for g, e in zip(got, expected, strict=True):
            assert g == e, "updated index vs fresh index"

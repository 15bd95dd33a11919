"""The default ranking (BM25F over the default text fields) against a brute-force oracle.

docs/RELEVANCE.md defines the ranking function for plain-text queries:

    tf~(t, d)  = sum over fields f of  w_f * tf_f(t, d) / (1 - b + b * len_f(d) / avglen_f)
    score(q,d) = sum over query terms t (repeats counted) of
                 idf(t) * tf~(t, d) * (k1 + 1) / (k1 + tf~(t, d))
    idf(t)     = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))

with N the live documents, df(t) the live documents holding t in ANY field, avglen_f the sum
of field lengths over all N live documents divided by N (1 when that sum is 0), w_f the
field's schema boost, candidates every document with at least one query term, ties broken
by index order. The oracle below implements exactly that in plain Python; it takes nothing
from the engine but `Analyzer.terms` (to turn text into terms). The engine must return the
same top-k ids in the same order with the same scores (1e-6) for plain text given to
`search(text, syntax=False)` and for plain words given to the query language, on:

(a) the seeds, indexed as `minisearch index` does (`index_sources`, `Schema.default()`);
(b) a 400-document SciFact sample indexed with `minisearch.relevance.build_beir_index`
    (`beir_schema()`, formerly in `minisearch.evaluate`), its
    first 50 queries, k = 10 and 100 (skipped when ../shared/datasets is absent);
(c) indexes with deletions (and updates) across segments: the oracle over the survivors,
    and the very same scores as a fresh index of the survivors;
(d) non-default k1, b and field weights, on a synthetic corpus full of exact ties.
"""

from __future__ import annotations

import gzip
import itertools
import json
import math
import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest
from conftest import DATASETS, open_writer

from minisearch import AnalyzerConfig, Bm25Params, Index, Schema, TextField
from minisearch.analysis import Analyzer
from minisearch.index_files import index_sources
from minisearch.query import BooleanQuery, CombinedFieldQuery
from minisearch.relevance import beir_schema, build_beir_index
from minisearch.searcher import Searcher

SCIFACT = DATASETS / "scifact"
DEFAULT_K1, DEFAULT_B = 2.0, 0.75  # docs/RELEVANCE.md
SCORE_TOL = 1e-6


# --- the oracle -------------------------------------------------------------------------------


class Bm25fOracle:
    """Brute-force BM25F over live documents given in index (insertion) order."""

    def __init__(
        self,
        analyzer: Analyzer,
        docs: Sequence[tuple[str, Mapping[str, str]]],
        weights: Mapping[str, float],
    ) -> None:
        self.analyzer = analyzer
        self.weights = dict(weights)  # field -> w_f, in schema order
        self.ids = [doc_id for doc_id, _ in docs]
        self.order = {doc_id: i for i, doc_id in enumerate(self.ids)}
        assert len(self.order) == len(self.ids), "ids must be unique"
        self.tf: list[dict[str, Counter[str]]] = []
        self.length: list[dict[str, int]] = []
        for _, fields in docs:
            counts = {
                name: Counter(analyzer.terms(fields.get(name) or "")) for name in self.weights
            }
            self.tf.append(counts)
            self.length.append({name: sum(c.values()) for name, c in counts.items()})
        self.n = len(self.ids)
        self.avglen: dict[str, float] = {}
        for name in self.weights:
            total = sum(lengths[name] for lengths in self.length)
            self.avglen[name] = total / self.n if self.n and total else 1.0
        # term -> documents (by index) holding it in at least one field
        self.holders: dict[str, list[int]] = {}
        for i, counts in enumerate(self.tf):
            for term in set().union(*counts.values()):
                self.holders.setdefault(term, []).append(i)

    def idf(self, term: str) -> float:
        df = len(self.holders.get(term, ()))
        return math.log(1.0 + (self.n - df + 0.5) / (df + 0.5))

    def pseudo_tf(self, term: str, i: int, b: float) -> float:
        total = 0.0
        for name, w in self.weights.items():
            tf = self.tf[i][name][term]
            if tf:
                total += w * tf / (1.0 - b + b * self.length[i][name] / self.avglen[name])
        return total

    def signature(self, text: str, doc_id: str) -> tuple[tuple[tuple[int, int], ...], ...]:
        """Everything a document's score depends on for `text`: per query term, per field,
        (tf, field length). Documents with equal signatures tie exactly, in any arithmetic."""
        i = self.order[doc_id]
        return tuple(
            tuple((self.tf[i][name][term], self.length[i][name]) for name in self.weights)
            for term in self.analyzer.terms(text)
        )

    def ranking(
        self, text: str, k1: float = DEFAULT_K1, b: float = DEFAULT_B
    ) -> list[tuple[str, float]]:
        """Every candidate as (id, score): score descending, then index order."""
        scores: dict[int, float] = {}
        for term in self.analyzer.terms(text):  # repeated terms count each time
            idf = self.idf(term)
            for i in self.holders.get(term, ()):
                pseudo = self.pseudo_tf(term, i, b)
                scores[i] = scores.get(i, 0.0) + idf * pseudo * (k1 + 1.0) / (k1 + pseudo)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return [(self.ids[i], s) for i, s in ranked]


# --- comparison -------------------------------------------------------------------------------


def near_tie_groups(scores: Sequence[float]) -> list[int]:
    """Group number per position of a descending score list. Only scores equal up to float
    noise (1e-9 relative) share a group: mathematically equal scores reached through
    different inputs (say tf=1, len=2 and tf=2, len=4 with b=1) may differ in the last bits,
    so their relative order is the engine's float scores' to decide. Exactly equal inputs give
    exactly equal scores in both, and the tie rule is checked on those."""
    groups: list[int] = []
    for i, s in enumerate(scores):
        if i and abs(scores[i - 1] - s) <= 1e-9 * max(1.0, abs(s)):
            groups.append(groups[-1])
        else:
            groups.append(i)
    return groups


def assert_same_top_k(
    got: Sequence[tuple[str, float]],
    expected: Sequence[tuple[str, float]],
    k: int,
    order: Mapping[str, int],
    context: str,
    signature: Callable[[str], object] | None = None,
) -> None:
    """The engine's top k (`got`) against the oracle's full ranking (`expected`).

    Scores agree rank by rank (1e-6). Ids agree rank by rank, except inside a group of
    near-tied oracle scores made of documents with different inputs (see `near_tie_groups`),
    where the engine's float scores decide; even there, documents with the same inputs
    (`signature`) must tie and come in index order, and only the first ones in index order
    may be kept when k cuts the group. The engine's list obeys the tie rule on its own scores.
    """
    top = list(expected[:k])
    assert len(got) == len(top), f"{context}: {len(got)} hits, expected {len(top)}"
    for rank, ((gid, gs), (eid, es)) in enumerate(zip(got, top, strict=True), 1):
        assert gs == pytest.approx(es, rel=SCORE_TOL, abs=SCORE_TOL), (
            f"{context}: rank {rank} {gid} scores {gs!r}, oracle {eid} {es!r}"
            f"\n got    {list(got[:10])}\n oracle {top[:10]}"
        )
    assert len({gid for gid, _ in got}) == len(got), f"{context}: duplicate ids"
    groups = near_tie_groups([s for _, s in expected])
    members: dict[int, list[str]] = {}
    for (doc_id, _), g in zip(expected, groups, strict=True):
        members.setdefault(g, []).append(doc_id)
    signature = signature or (lambda doc_id: doc_id)  # without one: every id its own class
    for g, ids in members.items():
        chosen = [gid for (gid, _), gg in zip(got, groups, strict=False) if gg == g]
        if not chosen:
            continue
        classes = {signature(i) for i in ids}
        if len(classes) == 1:  # an exact tie: the oracle's order (index order) exactly
            assert chosen == ids[: len(chosen)], (
                f"{context}: tie order {chosen} != {ids[: len(chosen)]}"
            )
            continue
        assert set(chosen) <= set(ids), f"{context}: {chosen} not among {ids}"
        for cls in classes:
            same = sorted((i for i in ids if signature(i) == cls), key=order.__getitem__)
            picked = [i for i in chosen if signature(i) == cls]
            assert picked == same[: len(picked)], (
                f"{context}: tied {picked} != {same[: len(picked)]}"
            )
    # the tie rule on the engine's own scores: score descending, then index order
    for (a, sa), (b, sb) in itertools.pairwise(got):
        assert sa > sb or (sa == sb and order[a] < order[b]), (
            f"{context}: tie rule broken between {a} ({sa!r}) and {b} ({sb!r})"
        )


def engine_top_k(
    searcher: Searcher, text: str, k: int, *, syntax: bool
) -> tuple[list[tuple[str, float]], int]:
    res = searcher.search(text, k=k, syntax=syntax, stored_fields=False)
    assert [h.rank for h in res.hits] == list(range(1, len(res.hits) + 1))
    return [(h.id, h.score) for h in res.hits], res.total


def plain_words(analyzer: Analyzer, text: str) -> str:
    """`text` reduced to lower-case alphanumeric words, one per analyzer token: something
    the query language reads as bare words only (no operators, quotes, fields, hyphens)."""
    words = [text[t.start : t.end].lower() for t in analyzer.tokens(text)]
    return " ".join(w for w in words if w.isalnum())


def check(
    searcher: Searcher,
    oracle: Bm25fOracle,
    queries: Sequence[str],
    ks: Sequence[int],
    params: Bm25Params,
    *,
    query_language: bool = True,
) -> int:
    """Compare every query (plain text, and its plain-word form in the query language);
    returns how many comparisons had hits (so callers can assert they were not vacuous)."""
    non_empty = 0
    for text in queries:
        runs = [(text, False)]
        if query_language:
            words = plain_words(oracle.analyzer, text)
            if words:
                runs.append((words, True))
        for query, syntax in runs:
            expected = oracle.ranking(query, params.k1, params.b)
            non_empty += bool(expected)
            for k in ks:
                got, total = engine_top_k(searcher, query, k, syntax=syntax)
                context = f"{query!r} syntax={syntax} k={k} {params}"
                assert total == len(expected), f"{context}: total {total} != {len(expected)}"
                assert_same_top_k(
                    got,
                    expected,
                    k,
                    oracle.order,
                    context,
                    lambda i, query=query: oracle.signature(query, i),
                )
    return non_empty


# --- corpora ----------------------------------------------------------------------------------


def seed_records(seeds_dir: Path) -> list[tuple[str, dict[str, str]]]:
    """The documented text-file mapping: id = file name, title = first non-empty line
    (stripped), body = the whole text; files in sorted order (= index order)."""
    out = []
    for path in sorted(seeds_dir.iterdir()):
        body = path.read_text(encoding="utf-8")
        title = next((line.strip() for line in body.splitlines() if line.strip()), "")
        out.append((path.name, {"title": title, "body": body}))
    return out


SEED_QUERIES = [
    "Crimea referendum",
    "What did Lavrov and Kerry say about the Crimea referendum?",
    "Russia",
    "Sarkozy's TV plea of innocence",
    "vote vote Crimea",  # a repeated term counts twice
    "Ukraine's crisis and the UN Security Council resolution",
    "RUSSIAN troops in Crimée, référendum",
    "F-16 pro-Kremlin 14.03.2014",  # plain text: every token a word of its own, no phrase
    "zzyzx nonexistent",
    "the of and",  # stopwords only: no terms, no hits
    "Putin Yanukovych Kiev Kyiv Moscow London",
    "how does the foreign minister respond to the West",
]


def load_scifact_sample(
    n_docs: int = 400, n_queries: int = 50
) -> tuple[list[dict[str, str]], list[str]]:
    """The first `n_queries` SciFact queries and `n_docs` documents: every document judged
    relevant to one of them plus a seeded random sample of the others, shuffled. Records are
    kept as BEIR rows (_id, title, text)."""
    if not (SCIFACT / "corpus.jsonl.gz").exists() or not (SCIFACT / "queries.jsonl.gz").exists():
        pytest.skip(f"SciFact dataset not found under {SCIFACT}")
    with gzip.open(SCIFACT / "corpus.jsonl.gz", "rt", encoding="utf-8") as f:
        corpus = [json.loads(line) for line in f if line.strip()]
    with gzip.open(SCIFACT / "queries.jsonl.gz", "rt", encoding="utf-8") as f:
        queries = [json.loads(line) for line in f if line.strip()][:n_queries]
    wanted = {str(q["_id"]) for q in queries}
    relevant: set[str] = set()
    for qrels in sorted((SCIFACT / "qrels").glob("*.tsv*")) if (SCIFACT / "qrels").is_dir() else []:
        opener = gzip.open if qrels.suffix == ".gz" else open
        with opener(qrels, "rt", encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 2 and parts[0] in wanted:
                    relevant.add(parts[1])
    rng = random.Random(20240611)
    chosen = [d for d in corpus if str(d["_id"]) in relevant][:n_docs]
    others = [d for d in corpus if str(d["_id"]) not in relevant]
    chosen += rng.sample(others, n_docs - len(chosen))
    rng.shuffle(chosen)
    return chosen, [q["text"] for q in queries]


def write_beir_corpus(path: Path, rows: Sequence[Mapping[str, object]]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    return path


def beir_records(rows: Sequence[Mapping[str, object]]) -> list[tuple[str, dict[str, str]]]:
    """BEIR rows as `build_beir_index` documents them: id = _id, title and text fields."""
    return [
        (str(r["_id"]), {"title": str(r.get("title") or ""), "text": str(r.get("text") or "")})
        for r in rows
    ]


VOCAB = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]


def synthetic_docs(n: int, seed: int) -> list[dict[str, str]]:
    """Short documents over a tiny vocabulary (many exact ties), some with no title."""
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        title = " ".join(rng.choice(VOCAB[:5]) for _ in range(rng.choice([0, 0, 1, 2, 3])))
        body = " ".join(rng.choice(VOCAB) for _ in range(rng.randint(0, 7)))
        docs.append({"id": f"s{i:03d}", "title": title, "body": body})
    return docs


SYNTHETIC_QUERIES = [
    "alpha",
    "beta gamma",
    "alpha alpha beta",
    "kappa",
    "zeta eta theta iota",
    "delta epsilon kappa alpha",
    "omega",
]


def build(
    path: Path, schema: Schema, docs: Sequence[Mapping[str, str]], *, sessions: int = 1
) -> Index:
    index = Index.create(path, schema=schema, analyzer=AnalyzerConfig())
    per = max(1, math.ceil(len(docs) / sessions))
    for start in range(0, len(docs), per):
        with open_writer(path) as w:
            for doc in docs[start : start + per]:
                w.add(dict(doc))
    return index


def as_records(
    docs: Sequence[Mapping[str, str]], fields: Sequence[str]
) -> list[tuple[str, dict[str, str]]]:
    return [(d["id"], {f: d.get(f, "") for f in fields}) for d in docs]


# --- the oracle itself ------------------------------------------------------------------------


def test_oracle_by_hand() -> None:
    """The oracle's arithmetic on a two-document example worked out by hand."""
    analyzer = Analyzer(AnalyzerConfig())
    oracle = Bm25fOracle(
        analyzer,
        [
            ("a", {"title": "crimea", "body": "vote crimea vote"}),
            ("b", {"title": "", "body": "vote"}),
        ],
        {"title": 2.0, "body": 1.0},
    )
    # N = 2; avglen title = 1/2, body = 4/2 = 2. "crimea": df = 1 -> idf = ln(1 + 1.5/1.5) = ln 2.
    # doc a: title 2 * 1 / (0.25 + 0.75 * 1 / 0.5) = 2 / 1.75;
    #        body 1 / (0.25 + 0.75 * 3 / 2) = 1 / 1.375
    pseudo = 2 / 1.75 + 1 / 1.375
    assert oracle.pseudo_tf("crimea", 0, 0.75) == pytest.approx(pseudo, rel=1e-15)
    want = math.log(2) * pseudo * 3 / (2 + pseudo)
    assert oracle.ranking("Crimea") == [("a", pytest.approx(want, rel=1e-15))]
    # "vote": df = 2 -> idf = ln(1 + 0.5/2.5) = ln 1.2; doc b: 1 / (0.25 + 0.75 * 1 / 2) = 1.6
    ranked = dict(oracle.ranking("vote vote"))
    assert ranked["b"] == pytest.approx(2 * math.log(1.2) * 1.6 * 3 / 3.6, rel=1e-15)
    assert oracle.ranking("the") == []


# --- (a) the seeds, indexed like `minisearch index` ---------------------------------------------


def test_seeds_default_ranking(tmp_path: Path, seeds_dir: Path) -> None:
    summary = index_sources(tmp_path / "idx", [seeds_dir])
    assert summary.documents == 5
    index = Index.open(tmp_path / "idx")
    assert [(f.name, f.boost) for f in index.schema.text_fields] == [("title", 2.0), ("body", 1.0)]
    assert index.analyzer_config.stopwords == "english_snowball"
    records = seed_records(seeds_dir)
    oracle = Bm25fOracle(Analyzer(index.analyzer_config), records, {"title": 2.0, "body": 1.0})
    with index.searcher() as s:
        assert s.params == Bm25Params(DEFAULT_K1, DEFAULT_B)
        assert [s.document(doc_id)["title"] for doc_id, _ in records] == [
            f["title"] for _, f in records
        ]
        assert check(s, oracle, SEED_QUERIES, (1, 3, 10, 100), s.params) >= 15
        # a plain one-term word is one BM25F clause over title and body
        combined = CombinedFieldQuery("crimea", (("title", 2.0), ("body", 1.0)))
        assert s.parse("crimea") == combined
        plain_one = s.parse_plain("Crimea")
        assert isinstance(plain_one, BooleanQuery) and plain_one.should == (combined,)
        # plain text never makes a phrase of a hyphenated word: F-16 is the words f and 16
        plain = s.parse_plain("F-16")
        assert isinstance(plain, BooleanQuery)
        assert [c.term for c in plain.should] == ["f", "16"]  # type: ignore[union-attr]
    # the facade (cached searcher) agrees
    got = [(h.id, h.score) for h in index.search("Crimea referendum", k=10, syntax=False).hits]
    q = "Crimea referendum"
    sig = lambda i: oracle.signature(q, i)  # noqa: E731
    assert_same_top_k(got, oracle.ranking(q), 10, oracle.order, "Index.search", sig)
    index.close()


# --- (b) a SciFact sample, indexed like `minisearch eval` -------------------------------------


@pytest.fixture(scope="module")
def scifact(tmp_path_factory: pytest.TempPathFactory) -> tuple[Index, Bm25fOracle, list[str]]:
    rows, queries = load_scifact_sample()
    base = tmp_path_factory.mktemp("scifact")
    corpus = write_beir_corpus(base / "corpus.jsonl.gz", rows)
    index = build_beir_index(corpus, base / "idx")
    assert [(f.name, f.boost) for f in index.schema.text_fields] == [("title", 2.0), ("text", 1.0)]
    assert index.schema.to_dict() == beir_schema().to_dict()
    oracle = Bm25fOracle(
        Analyzer(index.analyzer_config), beir_records(rows), {"title": 2.0, "text": 1.0}
    )
    yield index, oracle, queries
    index.close()


def test_scifact_default_ranking(scifact: tuple[Index, Bm25fOracle, list[str]]) -> None:
    index, oracle, queries = scifact
    assert oracle.n == index.info().documents == 400 and len(queries) == 50
    with index.searcher() as s:
        assert check(s, oracle, queries, (10, 100), s.params) >= 95


def test_scifact_evaluate_uses_the_plain_ranking(
    scifact: tuple[Index, Bm25fOracle, list[str]],
) -> None:
    """`minisearch.evaluate` (what `minisearch eval` runs) ranks exactly this way: plain
    text, default parameters."""
    from minisearch import evaluate

    index, oracle, queries = scifact
    qids = {f"q{i}": q for i, q in enumerate(queries[:10])}
    qrels = {qid: {oracle.ids[0]: 1} for qid in qids}
    report = evaluate(index, qids, qrels, metrics=["ndcg@10"], depth=20)
    for qid, text in qids.items():
        assert_same_top_k(
            report.run[qid], oracle.ranking(text), 20, oracle.order, f"evaluate {qid}",
            lambda i, text=text: oracle.signature(text, i),
        )  # fmt: skip


# --- (c) deletions and updates ------------------------------------------------------------------


def test_deletions_and_updates_equal_a_fresh_index(tmp_path: Path) -> None:
    schema = Schema([TextField("title", boost=2.0), TextField("body")])
    docs = synthetic_docs(240, seed=3)
    index = build(tmp_path / "idx", schema, docs, sessions=4)
    live: dict[str, dict[str, str]] = {d["id"]: d for d in docs}
    rng = random.Random(5)
    with open_writer(tmp_path / "idx", memory_budget_mb=0.01) as w:
        for doc_id in rng.sample(sorted(live), 50):
            assert w.delete(doc_id)
            del live[doc_id]
        for doc_id in rng.sample(sorted(live), 20):  # an update moves the document to the end
            new = {"id": doc_id, "title": "alpha", "body": " ".join(rng.sample(VOCAB, 3))}
            w.add(new)
            del live[doc_id]
            live[doc_id] = new
    info = index.info()
    assert info.documents == len(live) == 190 and info.segments > 1
    survivors = list(live.values())
    oracle = Bm25fOracle(
        Analyzer(AnalyzerConfig()),
        as_records(survivors, ["title", "body"]),
        {"title": 2.0, "body": 1.0},
    )
    fresh = build(tmp_path / "fresh", schema, survivors)
    params = Bm25Params()
    with index.searcher() as s, fresh.searcher() as f:
        assert check(s, oracle, SYNTHETIC_QUERIES, (10, 300), params) >= 12
        for query in SYNTHETIC_QUERIES:
            for syntax in (False, True):
                a, ta = engine_top_k(s, query, 300, syntax=syntax)
                b, tb = engine_top_k(f, query, 300, syntax=syntax)
                assert ta == tb and [i for i, _ in a] == [i for i, _ in b], query
                assert [x for _, x in a] == pytest.approx([x for _, x in b], rel=1e-12), query


def test_seeds_with_a_deletion(tmp_path: Path, seeds_dir: Path) -> None:
    index_sources(tmp_path / "idx", [seeds_dir])
    records = seed_records(seeds_dir)
    victim = records[2][0]
    index = Index.open(tmp_path / "idx")
    with index.writer() as w:
        assert w.delete(victim)
    survivors = [r for r in records if r[0] != victim]
    oracle = Bm25fOracle(Analyzer(index.analyzer_config), survivors, {"title": 2.0, "body": 1.0})
    with index.searcher() as s:
        assert check(s, oracle, SEED_QUERIES, (3, 100), s.params) >= 12
    index.close()


def test_scifact_with_deletions(
    tmp_path: Path, scifact: tuple[Index, Bm25fOracle, list[str]]
) -> None:
    _, full, queries = scifact
    rows, _ = load_scifact_sample()
    index = build_beir_index(write_beir_corpus(tmp_path / "c.jsonl.gz", rows), tmp_path / "idx")
    victims = set(random.Random(9).sample(full.ids, 60))
    with index.writer() as w:
        for doc_id in victims:
            assert w.delete(doc_id)
    survivors = [r for r in rows if str(r["_id"]) not in victims]
    oracle = Bm25fOracle(
        Analyzer(index.analyzer_config), beir_records(survivors), {"title": 2.0, "text": 1.0}
    )
    fresh = build_beir_index(
        write_beir_corpus(tmp_path / "s.jsonl.gz", survivors), tmp_path / "fresh"
    )
    with index.searcher() as s, fresh.searcher() as f:
        assert check(s, oracle, queries[:20], (10, 100), s.params, query_language=False) >= 19
        for query in queries[:20]:
            a, _ = engine_top_k(s, query, 100, syntax=False)
            b, _ = engine_top_k(f, query, 100, syntax=False)
            assert [i for i, _ in a] == [i for i, _ in b], query
            assert [x for _, x in a] == pytest.approx([x for _, x in b], rel=1e-12), query
    index.close()
    fresh.close()


# --- (d) non-default parameters and weights ------------------------------------------------------

PARAMS = [
    Bm25Params(k1=1.2, b=0.75),
    Bm25Params(k1=0.9, b=0.4),
    Bm25Params(k1=2.0, b=1.0),
    Bm25Params(k1=1.5, b=0.0),
    Bm25Params(k1=0.0, b=0.75),  # no saturation: every matching term counts idf
]


@pytest.mark.parametrize("params", PARAMS, ids=lambda p: f"k1={p.k1},b={p.b}")
def test_params_synthetic_and_seeds(tmp_path: Path, seeds_dir: Path, params: Bm25Params) -> None:
    docs = synthetic_docs(300, seed=11)
    schema = Schema([TextField("title", boost=2.0), TextField("body")])
    index = build(tmp_path / "synth", schema, docs, sessions=3)
    oracle = Bm25fOracle(
        Analyzer(AnalyzerConfig()), as_records(docs, ["title", "body"]), {"title": 2.0, "body": 1.0}
    )
    with index.searcher(params=params) as s:
        assert s.params == params
        assert check(s, oracle, SYNTHETIC_QUERIES, (5, 50, 400), params) >= 12
    index.close()

    index_sources(tmp_path / "seeds_idx", [seeds_dir])
    seeds = Index.open(tmp_path / "seeds_idx")
    oracle = Bm25fOracle(
        Analyzer(seeds.analyzer_config), seed_records(seeds_dir), {"title": 2.0, "body": 1.0}
    )
    with seeds.searcher(params=params) as s:
        assert check(s, oracle, SEED_QUERIES, (10,), params) >= 15
    seeds.close()


@pytest.mark.parametrize(
    "weights",
    [{"title": 1.0, "body": 1.0}, {"title": 3.0, "body": 0.5}, {"title": 0.0, "body": 1.0}],
    ids=lambda w: f"title={w['title']},body={w['body']}",
)
def test_field_weights_synthetic(tmp_path: Path, weights: dict[str, float]) -> None:
    docs = synthetic_docs(200, seed=17)
    schema = Schema([TextField(name, boost=w) for name, w in weights.items()])
    index = build(tmp_path / "idx", schema, docs, sessions=2)
    oracle = Bm25fOracle(Analyzer(AnalyzerConfig()), as_records(docs, list(weights)), weights)
    for params in (Bm25Params(), Bm25Params(k1=1.2, b=0.5)):
        with index.searcher(params=params) as s:
            assert check(s, oracle, SYNTHETIC_QUERIES, (10, 300), params) >= 12
    index.close()


def test_three_text_fields_and_explicit_fields(tmp_path: Path) -> None:
    """Three text fields combine the same way; `fields=[...]` chooses the combined fields."""
    rng = random.Random(23)
    docs = [
        {
            "id": f"t{i:03d}",
            "title": " ".join(rng.sample(VOCAB[:4], rng.randint(0, 2))),
            "tags": " ".join(rng.sample(VOCAB, rng.randint(0, 3))),
            "body": " ".join(rng.choice(VOCAB) for _ in range(rng.randint(1, 6))),
        }
        for i in range(150)
    ]
    weights = {"title": 2.0, "tags": 1.5, "body": 1.0}
    schema = Schema([TextField(name, boost=w) for name, w in weights.items()])
    index = build(tmp_path / "idx", schema, docs)
    analyzer = Analyzer(AnalyzerConfig())
    oracle = Bm25fOracle(analyzer, as_records(docs, list(weights)), weights)
    two = Bm25fOracle(analyzer, as_records(docs, ["body", "title"]), {"body": 1.0, "title": 2.0})
    with index.searcher() as s:
        assert check(s, oracle, SYNTHETIC_QUERIES, (10, 200), s.params) >= 12
        for query in SYNTHETIC_QUERIES:
            for syntax in (False, True):
                res = s.search(query, k=200, syntax=syntax, fields=["body", "title"])
                got = [(h.id, h.score) for h in res.hits]
                expected = two.ranking(query)
                assert res.total == len(expected)
                assert_same_top_k(
                    got, expected, 200, two.order, f"fields=[body, title] {query!r}",
                    lambda i, query=query: two.signature(query, i),
                )  # fmt: skip
    index.close()


def test_exact_ties_follow_index_order(tmp_path: Path) -> None:
    """Identical documents tie exactly and come back in index order, also across segments."""
    docs = [
        {"id": f"x{i}", "title": "alpha" if i % 2 else "", "body": "beta gamma"} for i in range(12)
    ]
    schema = Schema([TextField("title", boost=2.0), TextField("body")])
    index = build(tmp_path / "idx", schema, docs, sessions=3)
    oracle = Bm25fOracle(
        Analyzer(AnalyzerConfig()), as_records(docs, ["title", "body"]), {"title": 2.0, "body": 1.0}
    )
    with index.searcher() as s:
        check(s, oracle, ["beta", "alpha beta", "gamma alpha"], (3, 7, 12), s.params)
        got, _ = engine_top_k(s, "alpha beta", 12, syntax=False)
    assert [i for i, _ in got] == [f"x{i}" for i in range(1, 12, 2)] + [
        f"x{i}" for i in range(0, 12, 2)
    ]
    assert len({score for _, score in got}) == 2
    index.close()

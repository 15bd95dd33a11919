"""`explain` agrees with `search`; more-like-this and did-you-mean on the seeds corpus.

Explain: for many queries (terms, phrases, sloppy phrases, boolean with boosts, prefix,
fuzzy, filters, match-all) and every live document, the explanation's top value equals the
score search returned (1e-9), non-matching documents explain to None, and the tree is
internally consistent (a sum node is the sum of its parts times its boost; a BM25 leaf is
boost * idf * tf; a BM25F leaf, for a bare word over several fields, is
boost * idf * tf~ (k1 + 1) / (k1 + tf~) with tf~ the sum of the fields' shares).
"""

from __future__ import annotations

import math
import re

import pytest
from conftest import SEEDS, copy_tree_writable, open_writer
from test_query_e2e import CASES, CORPUS, DELETED, UPDATED, build_index

from minisearch import Index
from minisearch.index_files import index_sources
from minisearch.query.explain import Explanation

EXPLAIN_QUERIES = [
    "crimea",
    "crimea referendum russia",
    "+crimea referendum^2 -kerry",
    "(crimea OR talks)^2 AND russia^0.5",
    '"crimea referendum"',
    '"kerry lavrov"~2^3',
    '"differ crimea"~1 OR "talks talks"',
    "refer*",
    "russ*^2 crisis",
    "referendm~1",
    "crmiea~2 OR kerry~1",
    "title:crimea^3 body:crimea",
    "crimea AND lang:en AND year:[2013 TO *]",
    "F-16 OR pro-kremlin",
    "*:*^2 crimea",
    "-crimea",
    "lang:en",
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Index:
    path = tmp_path_factory.mktemp("explain") / "ix"
    index = build_index(path, CORPUS, sessions=2)
    with index.writer() as writer:
        for doc_id in DELETED:
            writer.delete(doc_id)
        writer.add(UPDATED)
    yield index
    index.close()


@pytest.fixture(scope="module")
def seeds_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    base = tmp_path_factory.mktemp("seeds")
    seeds = copy_tree_writable(SEEDS, base / "seeds")
    index_sources(base / "ix", [seeds])
    index = Index.open(base / "ix")
    yield index
    index.close()


_SHARE = re.compile(
    r"^(?P<field>\w+): w \* tf / \(1 - b \+ b \* dl / avgdl\) with w = (?P<w>\S+), "
    r"tf = (?P<tf>\S+), dl = (?P<dl>\S+), avgdl = (?P<avgdl>\S+), b = (?P<b>\S+)$"
)
_IDF = re.compile(r"with N = (?P<n>\d+), df = (?P<df>\d+)")


def check_idf(node: Explanation) -> None:
    """An idf node that names N and df has the value ln(1 + (N - df + 0.5) / (df + 0.5))."""
    found = _IDF.search(node.description)
    if found:
        n, df = int(found["n"]), int(found["df"])
        assert node.value == pytest.approx(math.log(1 + (n - df + 0.5) / (df + 0.5)), rel=1e-12)


def check_tree(node: Explanation) -> None:
    """Every node's arithmetic: sums, BM25 leaves (boost * idf * tf, tf from its parts) and
    BM25F leaves (boost * idf * tf~ (k1 + 1) / (k1 + tf~), tf~ the sum of the fields' shares,
    each share w * tf / (1 - b + b dl / avgdl) from the printed numbers)."""
    if node.description.startswith("sum of matching clauses, times boost "):
        boost = float(node.description.rsplit(" ", 1)[1])
        assert node.value == pytest.approx(
            sum(d.value for d in node.details) * boost, rel=1e-9, abs=1e-12
        )
    if node.description.startswith("weight(") and ", BM25F: " in node.description:
        assert [d.description.split(",")[0] for d in node.details] == [
            "boost", "idf", "tf~", "k1",
        ], node.render()  # fmt: skip
        boost, idf_node, pseudo_node, k1_node = node.details
        pseudo, k1 = pseudo_node.value, k1_node.value
        assert node.value == pytest.approx(
            boost.value * idf_node.value * pseudo * (k1 + 1) / (k1 + pseudo), rel=1e-9, abs=1e-12
        ), node.render()
        check_idf(idf_node)
        assert pseudo_node.details, node.render()
        assert pseudo == pytest.approx(sum(d.value for d in pseudo_node.details), rel=1e-12)
        for share in pseudo_node.details:
            m = _SHARE.match(share.description)
            assert m, share.description
            w, tf, dl, avgdl, b = (float(m[g]) for g in ("w", "tf", "dl", "avgdl", "b"))
            # avgdl is printed with 6 significant digits
            assert share.value == pytest.approx(w * tf / (1 - b + b * dl / avgdl), rel=1e-5)
        return
    if node.description.startswith("weight("):
        boost, idf, tf = (d.value for d in node.details[:3])
        assert node.value == pytest.approx(boost * idf * tf, rel=1e-9, abs=1e-12), node.render()
        check_idf(node.details[1])
        tf_node = node.details[2]
        if tf_node.description.startswith("tf, computed as freq * (k1 + 1)"):
            freq, k1, b, dl, avgdl = (d.value for d in tf_node.details)
            assert tf_node.value == pytest.approx(
                freq * (k1 + 1) / (freq + k1 * (1 - b + b * dl / avgdl)), rel=1e-9
            )
    for d in node.details:
        check_tree(d)


def all_ids(index: Index) -> list[str]:
    return [h.id for h in index.search("*:*", k=1000).hits]


@pytest.mark.parametrize("query", EXPLAIN_QUERIES + [q for q, _, op in CASES if op == "OR"][:60])
def test_explain_equals_search_score(corpus: Index, query: str) -> None:
    results = corpus.search(query, k=1000)
    scores = {h.id: h.score for h in results.hits}
    for doc_id in all_ids(corpus):
        explanation = corpus.explain(query, doc_id)
        if doc_id not in scores:
            assert explanation is None, (
                f"{doc_id} does not match {query!r} but explains to {explanation}"
            )
            continue
        assert explanation is not None, f"{doc_id} matches {query!r} but explain returned None"
        assert explanation.value == pytest.approx(scores[doc_id], rel=1e-9, abs=1e-12), (
            f"{query!r} {doc_id}: explain {explanation.value!r} != score {scores[doc_id]!r}\n"
            f"{explanation.render()}"
        )
        check_tree(explanation)
        assert explanation.render().startswith(f"{explanation.value:.6g} = ")


@pytest.mark.parametrize("query", ["crimea talks", "+crimea +russia", "refer* crisis"])
def test_explain_with_a_parsed_and_query(corpus: Index, query: str) -> None:
    results = corpus.search(query, k=1000, default_operator="AND")
    for hit in results.hits:
        explanation = corpus.explain(results.query, hit.id)
        assert explanation is not None
        assert explanation.value == pytest.approx(hit.score, rel=1e-9, abs=1e-12)


def test_explain_unknown_or_deleted_document(corpus: Index) -> None:
    assert corpus.explain("crimea", "no-such-id") is None
    for doc_id in DELETED:
        assert corpus.explain("*:*", doc_id) is None


def test_explain_of_updated_document_is_its_new_version(corpus: Index) -> None:
    # d09 got "referendum" only in its updated version
    explanation = corpus.explain("referendum", UPDATED["id"])
    assert explanation is not None
    hit = next(h for h in corpus.search("referendum", k=100).hits if h.id == UPDATED["id"])
    assert explanation.value == pytest.approx(hit.score, rel=1e-9)


def test_explain_describes_bm25(corpus: Index) -> None:
    explanation = corpus.explain("title:crimea", "d02")
    assert explanation is not None
    text = explanation.render()
    assert "weight(title:crimea)" in text
    assert "idf" in text and "N = 14" in text
    assert "avgdl" in text and "dl, length of the field" in text
    d = explanation.to_dict()
    assert d["value"] == explanation.value and isinstance(d["details"], list)


def test_explain_describes_bm25f(corpus: Index) -> None:
    """A bare word over title and body explains as one BM25F node whose numbers are the
    brute-force reference's (docs/RELEVANCE.md)."""
    from test_query_e2e import SCHEMA_FIELDS, Reference, live_corpus

    from minisearch.analysis import Analyzer

    ref = Reference(Analyzer(corpus.analyzer_config), live_corpus(), SCHEMA_FIELDS)
    explanation = corpus.explain("crimea^1.5", "d02")
    assert explanation is not None
    assert explanation.description.startswith("weight(crimea in title, body), BM25F")
    boost, idf_node, pseudo_node, k1_node = explanation.details
    assert (boost.value, k1_node.value) == (1.5, 2.0)
    df = sum(1 for d in ref.docs if d.tf["title"]["crimea"] or d.tf["body"]["crimea"])
    assert f"N = {ref.n}, df = {df} " in idf_node.description
    assert idf_node.value == pytest.approx(math.log(1 + (ref.n - df + 0.5) / (df + 0.5)), rel=1e-12)
    d02 = next(d for d in ref.docs if d.id == "d02")
    shares = [
        SCHEMA_FIELDS[name]
        * d02.tf[name]["crimea"]
        / (0.25 + 0.75 * d02.length[name] / ref.avgdl[name])
        for name in ("title", "body")
    ]
    assert [s.value for s in pseudo_node.details] == pytest.approx(shares, rel=1e-12)
    assert all(s > 0 for s in shares)  # d02 has crimea in both fields
    assert explanation.value == pytest.approx(
        ref.combined("crimea", ["title", "body"], 1.5)["d02"], rel=1e-12
    )
    check_tree(explanation)


def test_explain_on_seeds(seeds_index: Index) -> None:
    for query in ("crimea referendum", '"foreign minister"', "lavr*", "kery~1", "+russia -sarkozy"):
        results = seeds_index.search(query, k=10)
        assert results.hits, query
        for hit in results.hits:
            explanation = seeds_index.explain(query, hit.id)
            assert explanation is not None
            assert explanation.value == pytest.approx(hit.score, rel=1e-9, abs=1e-12)


# --- more like this -----------------------------------------------------------------------


def test_more_like_this_returns_the_other_seeds(seeds_index: Index) -> None:
    ids = all_ids(seeds_index)
    assert len(ids) == 5
    for doc_id in ids:
        res = seeds_index.more_like_this(doc_id, 10)
        got = [h.id for h in res.hits]
        assert sorted(got) == sorted(set(ids) - {doc_id}), doc_id
        assert [h.rank for h in res.hits] == [1, 2, 3, 4]
        scores = [h.score for h in res.hits]
        assert scores == sorted(scores, reverse=True)
        assert all(s > 0 for s in scores)
        assert res.total == 4


def test_more_like_this_respects_k_and_unknown_ids(seeds_index: Index) -> None:
    from minisearch.errors import MinisearchError

    doc_id = all_ids(seeds_index)[1]
    top2 = seeds_index.more_like_this(doc_id, 2)
    full = seeds_index.more_like_this(doc_id, 10)
    assert [h.id for h in top2.hits] == [h.id for h in full.hits][:2]
    with pytest.raises(MinisearchError):
        seeds_index.more_like_this("nope.txt", 3)


# --- did you mean -------------------------------------------------------------------------


def test_did_you_mean_on_seeds(seeds_index: Index) -> None:
    assert seeds_index.did_you_mean("referendm") == "referendum"
    assert seeds_index.did_you_mean("referendm crimea") == "referendum crimea"
    assert seeds_index.did_you_mean("crimea referendum") is None
    assert seeds_index.did_you_mean("Lavrov") is None


def test_did_you_mean_on_the_corpus(corpus: Index) -> None:
    suggestion = corpus.did_you_mean("kery talks")
    assert suggestion == "kerry talks"
    assert corpus.did_you_mean("kerry talks") is None


def test_did_you_mean_ignores_deleted_documents(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A suggestion must be a word the live index holds: suggesting a term that only a
    deleted document contained leads the user to a query with no hits."""
    path = tmp_path_factory.mktemp("dym") / "ix"
    docs = [
        {"id": "gone", "title": "alpha", "body": "zebrafish swim"},
        {"id": "kept", "title": "beta", "body": "crimea vote"},
    ]
    index = build_index(path, docs)
    with open_writer(path) as writer:
        assert writer.delete("gone")
    try:
        assert index.search("zebrafish").total == 0
        suggestion = index.did_you_mean("zebrafsh")
        assert suggestion is None or index.search(suggestion).total > 0, (
            f"did_you_mean suggests {suggestion!r}, which matches no live document"
        )
        assert index.did_you_mean("crimee vote") in (None, "crimea vote")
    finally:
        index.close()

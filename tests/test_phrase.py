"""Phrases (exact and sloppy), prefix, fuzzy and filters on documents built for edge cases.

Each expectation is stated twice: explicitly (which documents must or must not match, from
the documented rules) and against the brute-force reference of test_query_e2e (sets and
scores). The same documents indexed in one segment and in several give the same answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import open_writer
from test_query_e2e import (
    AND,
    OR,
    SCHEMA_FIELDS,
    Bool,
    Fz,
    Kw,
    P,
    Pre,
    Reference,
    Rg,
    W,
    assert_matches,
    build_index,
    osa,
)

from minisearch import Index
from minisearch.analysis import Analyzer

DOCS: list[dict[str, Any]] = [
    # repeated terms
    {
        "id": "rep3",
        "title": "repeat",
        "body": "buffalo buffalo buffalo",
        "lang": "en",
        "year": 2001,
    },
    {"id": "rep1", "title": "single", "body": "buffalo", "lang": "en", "year": 2002},
    {"id": "rep2gap", "title": "gap", "body": "buffalo wing buffalo", "lang": "de", "year": 2003},
    # field boundary: title ends with xylophone, body starts with yacht
    {
        "id": "boundary",
        "title": "the big xylophone",
        "body": "yacht race today",
        "lang": "en",
        "year": 2004,
    },
    # first and last positions
    {"id": "edges", "title": "alpha", "body": "alpha beta gamma delta", "lang": "fr", "year": 2005},
    # stopword gaps
    {
        "id": "differ-on",
        "title": "West and Russia still differ on Crimea",
        "body": "",
        "lang": "en",
        "year": 2014,
    },
    {
        "id": "differ-to-the",
        "title": "they differ to the crimea",
        "body": "",
        "lang": "en",
        "year": 2014,
    },
    {"id": "differ-adj", "title": "differ crimea", "body": "", "lang": "en", "year": 2013},
    # order
    {
        "id": "kl",
        "title": "kerry lavrov",
        "body": "kerry met lavrov in london",
        "lang": "en",
        "year": 2014,
    },
    {"id": "lk", "title": "lavrov kerry", "body": "lavrov x x kerry", "lang": "ru", "year": 2014},
    {"id": "lxk", "title": "lavrov and then kerry", "body": "nothing here", "year": 2012},
    # prefix / fuzzy material
    {
        "id": "ref",
        "title": "Référendum",
        "body": "referendums referee reference refer reef",
        "lang": "fr",
        "year": 2014,
    },
    {
        "id": "crimea-typo",
        "title": "Crimae",
        "body": "crimean crimeas crime",
        "lang": "en",
        "year": 2010,
    },
]

QUERIES: list[tuple[str, Any]] = [
    ('"buffalo buffalo"', P("buffalo buffalo")),
    ('"buffalo buffalo buffalo"', P("buffalo buffalo buffalo")),
    ('"buffalo buffalo buffalo buffalo"', P("buffalo buffalo buffalo buffalo")),
    ('"buffalo buffalo"~1', P("buffalo buffalo", 1)),
    ('"buffalo wing buffalo"', P("buffalo wing buffalo")),
    ('"xylophone yacht"', P("xylophone yacht")),
    ('"xylophone yacht"~5', P("xylophone yacht", 5)),
    ('"alpha beta"', P("alpha beta")),
    ('"gamma delta"', P("gamma delta")),
    ('"alpha delta"~2', P("alpha delta", 2)),
    ('"delta alpha"~4', P("delta alpha", 4)),
    ('"delta alpha"~5', P("delta alpha", 5)),
    ('"differ crimea"', P("differ crimea")),
    ('"differ crimea"~1', P("differ crimea", 1)),
    ('"differ on crimea"', P("differ on crimea")),
    ('"differ of crimea"', P("differ of crimea")),
    ('"differ to the crimea"', P("differ to the crimea")),
    ('"differ on crimea"~1', P("differ on crimea", 1)),
    ('"kerry lavrov"', P("kerry lavrov")),
    ('"lavrov kerry"', P("lavrov kerry")),
    ('"lavrov kerry"~1', P("lavrov kerry", 1)),
    ('"lavrov kerry"~2', P("lavrov kerry", 2)),
    ('"lavrov kerry"~3', P("lavrov kerry", 3)),
    ('"kerry lavrov"~3', P("kerry lavrov", 3)),
    ('body:"kerry lavrov"~1', P("kerry lavrov", 1, "body")),
    ('title:"lavrov kerry"~2', P("lavrov kerry", 2, "title")),
    ('"kerry lavrov"~2 AND lang:ru', AND(P("kerry lavrov", 2), Kw("lang", "ru"))),
    ('"kerry lavrov"~2 AND year:[* TO 2013]', AND(P("kerry lavrov", 2), Rg("year", None, 2013))),
    ("refer*", Pre("refer")),
    ("réf*", Pre("ref")),
    ("RE*", Pre("re")),
    ("title:ref*", Pre("ref", "title")),
    ("refer* AND lang:fr", AND(Pre("refer"), Kw("lang", "fr"))),
    ("crimea~1", Fz("crimea", 1)),
    ("crimea~2", Fz("crimea", 2)),
    ("crimae~1", Fz("crimae", 1)),
    ("referendums~1", Fz("referendums", 1)),
    ("buffalo~0", Fz("buffalo", 0)),
    ("alpha~1 OR yacht", OR(Fz("alpha", 1), W("yacht"))),
    ("crimea~2 -year:2010", Bool(should=(Fz("crimea", 2),), must_not=(Rg("year", 2010, 2010),))),
    ("year:{2003 TO 2005}", Rg("year", 2003, 2005, False, False)),
    ("year:[2003 TO 2005]", Rg("year", 2003, 2005)),
    ("lang:fr", Kw("lang", "fr")),
]


def ids(index_or_searcher: Any, query: str) -> set[str]:
    return {h.id for h in index_or_searcher.search(query, k=100).hits}


@pytest.fixture(scope="module")
def one_segment(tmp_path_factory: pytest.TempPathFactory) -> Index:
    index = build_index(tmp_path_factory.mktemp("one") / "ix", DOCS)
    yield index
    index.close()


@pytest.fixture(scope="module")
def three_segments(tmp_path_factory: pytest.TempPathFactory) -> Index:
    index = build_index(tmp_path_factory.mktemp("three") / "ix", DOCS, sessions=3)
    yield index
    index.close()


@pytest.fixture(scope="module")
def reference(one_segment: Index) -> Reference:
    return Reference(Analyzer(one_segment.analyzer_config), DOCS, SCHEMA_FIELDS, ["lang"], ["year"])


def test_three_writer_sessions_give_three_segments(three_segments: Index) -> None:
    assert three_segments.info().segments == 3


@pytest.mark.parametrize(("query", "tree"), QUERIES, ids=[q for q, _ in QUERIES])
def test_against_reference(one_segment: Index, reference: Reference, query: str, tree: Any) -> None:
    assert_matches(one_segment, query, reference.run(tree))


@pytest.mark.parametrize(("query", "tree"), QUERIES, ids=[q for q, _ in QUERIES])
def test_segments_do_not_change_results(
    one_segment: Index, three_segments: Index, query: str, tree: Any
) -> None:
    a = {h.id: h.score for h in one_segment.search(query, k=100).hits}
    b = {h.id: h.score for h in three_segments.search(query, k=100).hits}
    assert set(a) == set(b)
    for doc_id, score in a.items():
        assert b[doc_id] == pytest.approx(score, rel=1e-9, abs=1e-12)


def test_repeated_terms(one_segment: Index, reference: Reference) -> None:
    assert ids(one_segment, '"buffalo buffalo"') == {"rep3"}
    assert ids(one_segment, '"buffalo buffalo buffalo"') == {"rep3"}
    assert ids(one_segment, '"buffalo buffalo buffalo buffalo"') == set()
    assert ids(one_segment, '"buffalo wing buffalo"') == {"rep2gap"}
    # "buffalo buffalo buffalo" holds the two-word phrase twice (at 0 and at 1): tf = 2
    hit = one_segment.search('body:"buffalo buffalo"').hits[0]
    d = next(x for x in reference.docs if x.id == "rep3")
    expected = reference.bm25(2 * reference.idf("body", "buffalo"), 2, "body", d)
    assert hit.score == pytest.approx(expected, rel=1e-9)
    assert hit.score != pytest.approx(
        reference.bm25(2 * reference.idf("body", "buffalo"), 1, "body", d)
    )


def test_phrase_never_crosses_a_field_boundary(one_segment: Index) -> None:
    assert ids(one_segment, "xylophone AND yacht") == {"boundary"}
    for q in (
        '"xylophone yacht"',
        '"xylophone yacht"~10',
        '"yacht xylophone"~10',
        '"big xylophone yacht"~3',
    ):
        assert ids(one_segment, q) == set(), q


def test_first_and_last_positions(one_segment: Index) -> None:
    assert ids(one_segment, '"alpha beta"') == {"edges"}
    assert ids(one_segment, '"gamma delta"') == {"edges"}
    assert ids(one_segment, '"alpha beta gamma delta"') == {"edges"}
    assert ids(one_segment, '"delta alpha"') == set()
    # alpha at 0, delta at 3: "alpha delta" needs its second word 2 places further; the
    # reversed order puts the words 3 + 1 = 4 apart.
    assert ids(one_segment, '"alpha delta"~1') == set()
    assert ids(one_segment, '"alpha delta"~2') == {"edges"}
    assert ids(one_segment, '"delta alpha"~3') == set()
    assert ids(one_segment, '"delta alpha"~4') == {"edges"}


def test_stopword_gaps_are_kept(one_segment: Index) -> None:
    # The title "...differ on Crimea" indexes differ at p and crimea at p + 2 ("on" removed
    # but its position kept). The query "differ Crimea" puts crimea at offset 1: no exact
    # match, slop 1 is enough. Any single stopword in the query keeps the same gap.
    assert ids(one_segment, '"differ crimea"') == {"differ-adj"}
    assert ids(one_segment, '"differ crimea"~1') == {"differ-adj", "differ-on"}
    assert ids(one_segment, '"differ on crimea"') == {"differ-on"}
    assert ids(one_segment, '"differ of crimea"') == {"differ-on"}
    assert ids(one_segment, '"differ to the crimea"') == {"differ-to-the"}
    assert ids(one_segment, '"differ crimea"~2') == {"differ-adj", "differ-on", "differ-to-the"}
    # the plain words still match all three
    assert ids(one_segment, "+differ +crimea") == {"differ-on", "differ-to-the", "differ-adj"}


def test_reversed_order_needs_slop_two(one_segment: Index) -> None:
    assert ids(one_segment, 'title:"kerry lavrov"') == {"kl"}
    assert ids(one_segment, 'title:"lavrov kerry"') == {"lk"}
    assert ids(one_segment, 'title:"lavrov kerry"~1') == {"lk"}
    assert ids(one_segment, 'title:"kerry lavrov"~1') == {"kl"}
    assert ids(one_segment, 'title:"kerry lavrov"~2') == {"kl", "lk"}
    # "lavrov and then kerry": kerry 3 positions after lavrov (the removed stopwords "and"
    # and "then" keep their positions): 2 more than the phrase wants, 4 in reversed order
    assert ids(one_segment, 'title:"lavrov kerry"~2') == {"lk", "kl", "lxk"}
    assert ids(one_segment, 'title:"kerry lavrov"~3') == {"kl", "lk"}
    assert ids(one_segment, 'title:"kerry lavrov"~4') == {"kl", "lk", "lxk"}


def test_prefix_is_normalised_not_stemmed(one_segment: Index) -> None:
    # "referendums" and "reference" are stemmed in the index ("referendum", "refer"); the
    # prefix "referen" is matched against those index terms as typed (lowercased, unaccented).
    assert ids(one_segment, "referen*") == {"ref"}
    assert ids(one_segment, "RÉFÉREN*") == {"ref"}
    assert ids(one_segment, "buff*") == {"rep3", "rep1", "rep2gap"}
    assert ids(one_segment, "crimea*") == {
        "differ-on",
        "differ-to-the",
        "differ-adj",
        "crimea-typo",
    }
    assert ids(one_segment, "zz*") == set()


def test_fuzzy_uses_the_stemmed_word(one_segment: Index, reference: Reference) -> None:
    # "referendums" analyzes to "referendum", which is an index term: distance 0, full score.
    exact = one_segment.search("body:referendums~1").hits[0]
    term = one_segment.search("body:referendum").hits[0]
    assert exact.id == term.id == "ref"
    assert exact.score == pytest.approx(term.score, rel=1e-9)
    # "crimae" (analyzed) is one transposition away from "crimea": each document whose
    # title holds only "crimea" scores the plain term score times 1 - 1 / (len + 1)
    q = Analyzer(one_segment.analyzer_config).analyze_term("crimae")
    assert q is not None and osa(q, "crimea") == 1
    typo = {h.id: h.score for h in one_segment.search("title:crimae~1").hits}
    plain = {h.id: h.score for h in one_segment.search("title:crimea").hits}
    assert set(plain) == {"differ-on", "differ-to-the", "differ-adj"}
    for doc_id, score in plain.items():
        assert typo[doc_id] == pytest.approx(score * (1 - 1 / (len(q) + 1)), rel=1e-9)
    assert "crimea-typo" in typo


def test_filters_alone_and_combined(one_segment: Index) -> None:
    assert ids(one_segment, "year:2014") == {"differ-on", "differ-to-the", "kl", "lk", "ref"}
    assert ids(one_segment, "year:>2013 AND lang:en") == {"differ-on", "differ-to-the", "kl"}
    assert ids(one_segment, "year:<2003") == {"rep3", "rep1"}
    assert ids(one_segment, "year:<=2003 -lang:de") == {"rep3", "rep1"}
    assert all(h.score == 0.0 for h in one_segment.search("year:[2000 TO 2020]", k=100).hits)


def test_multi_segment_with_deletes_matches_fresh_single_segment(tmp_path: Path) -> None:
    """Deleting documents in a later session leaves the statistics of the survivors only:
    the same as an index built from the survivors alone."""
    victims = {"rep1", "kl"}
    multi = build_index(tmp_path / "multi", DOCS, sessions=2)
    with open_writer(tmp_path / "multi") as writer:
        for v in victims:
            assert writer.delete(v)
    fresh = build_index(tmp_path / "fresh", [d for d in DOCS if d["id"] not in victims])
    try:
        for query, _ in QUERIES:
            a = {h.id: h.score for h in multi.search(query, k=100).hits}
            b = {h.id: h.score for h in fresh.search(query, k=100).hits}
            assert set(a) == set(b), query
            for doc_id in a:
                assert a[doc_id] == pytest.approx(b[doc_id], rel=1e-9, abs=1e-12), query
    finally:
        multi.close()
        fresh.close()

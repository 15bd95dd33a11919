"""Snippets: the highlighted spans are exactly the query's tokens, in the original text.

For every fragment the expected highlights are recomputed independently: the spans of
`Analyzer.tokens(stored text)` whose term is one of the query's positive terms and which lie
entirely inside the fragment. Offsets index the ORIGINAL stored string (accents, ligatures,
fullwidth letters and decomposed characters included).
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from test_query_e2e import build_index

from minisearch import Index
from minisearch.analysis import Analyzer
from minisearch.highlight import Fragment


def _filler(n: int) -> str:
    return " ".join(["lorem"] * n)


def _spread_text() -> str:
    """alpha, then beta 20 characters later, then gamma and delta just past the end of the
    fragment that starts before alpha but inside the one that starts before beta."""
    head = _filler(20) + " "  # ~120 characters of filler
    text = head + "alpha " + "lorem lorem " + "beta "
    a = text.index("alpha")
    b = text.index("beta")
    # fragment of alpha starts at the space within 30 chars before it; of beta likewise
    start_a = text.find(" ", a - 30, a) + 1
    start_b = text.find(" ", b - 30, b) + 1
    assert start_b <= a < b  # alpha lies inside beta's fragment
    while len(text) < start_a + 162:
        text += "lorem "
    text += "gamma delta "
    assert text.index("delta") + 5 <= start_b + 160
    return text + _filler(40)


DOCS: list[dict[str, Any]] = [
    {
        "id": "plural",
        "title": "Referendums",
        "body": "Two referendums and one referendum; the referee refers to the reef.",
        "lang": "en",
    },
    {
        "id": "accents",
        "title": "Crimée",
        "body": "Le référendum en Crimée, puis la RÉFÉRENDUM-fête à Sébastopol.",
        "lang": "fr",
    },
    {
        "id": "nfkc",
        "title": "ﬁnance ＣＲＩＭＥＡ",
        "body": (
            "The ﬁnance office in ＣＲＩＭＥＡ and Crime\u0301e reviewed the ﬂow of Crimea's funds."
        ),
        "lang": "en",
    },
    {
        "id": "bodyonly",
        "title": "Nothing relevant",
        "body": "Crimea and Russia again. " * 3
        + _filler(60)
        + " then Crimea once more at the end.",
        "lang": "en",
    },
    {"id": "spread", "title": "spread", "body": _spread_text(), "lang": "en"},
    {
        "id": "bothfields",
        "title": "Russia and Crimea",
        "body": "Crimea is discussed; Russia answers.",
        "lang": "en",
    },
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    ix = build_index(tmp_path_factory.mktemp("hl") / "ix", DOCS)
    yield ix
    ix.close()


@pytest.fixture(scope="module")
def analyzer(index: Index) -> Analyzer:
    return Analyzer(index.analyzer_config)


def expected_highlights(
    analyzer: Analyzer, text: str, terms: set[str], start: int, end: int
) -> list[tuple[int, int]]:
    return [
        (t.start, t.end)
        for t in analyzer.tokens(text)
        if t.text in terms and start <= t.start and t.end <= end
    ]


def check_fragments(analyzer: Analyzer, hit: Any, field: str, terms: set[str]) -> list[Fragment]:
    text = hit.fields[field]
    fragments = hit.snippets[field]
    assert fragments, f"{hit.id}: no fragment for {field}"
    for fr in fragments:
        assert 0 <= fr.start < fr.end <= len(text)
        assert fr.text == text[fr.start : fr.end]
        want = expected_highlights(analyzer, text, terms, fr.start, fr.end)
        assert list(fr.highlights) == want, (
            f"{hit.id}.{field}: highlights {[text[a:b] for a, b in fr.highlights]} "
            f"at {list(fr.highlights)}, "
            f"expected {[text[a:b] for a, b in want]} at {want} in fragment [{fr.start}, {fr.end})"
        )
    # fragments do not overlap and come in text order
    for a, b in pairwise(fragments):
        assert a.end <= b.start
    return fragments


def search_one(index: Index, query: str, doc_id: str) -> Any:
    res = index.search(query, k=100, with_snippets=True)
    hits = [h for h in res.hits if h.id == doc_id]
    assert hits, f"{doc_id} does not match {query!r}: {[h.id for h in res.hits]}"
    return hits[0]


@pytest.mark.parametrize(
    ("query", "doc_id", "field", "words"),
    [
        ("referendum", "plural", "body", "referendum"),
        ("referendum", "plural", "title", "referendum"),
        ("referendum", "accents", "body", "referendum"),
        ("crimée", "accents", "title", "crimée"),
        ("crimee referendum", "accents", "body", "crimee referendum"),
        ("finance crimea", "nfkc", "title", "finance crimea"),
        ("finance crimea crimée flow", "nfkc", "body", "finance crimea crimée flow"),
        ("crimea russia", "bodyonly", "body", "crimea russia"),
        ('"crimea and russia"', "bodyonly", "body", "crimea russia"),
        ("alpha beta gamma delta", "spread", "body", "alpha beta gamma delta"),
        ("crimea russia", "bothfields", "title", "crimea russia"),
        ("crimea russia", "bothfields", "body", "crimea russia"),
    ],
)
def test_highlights_are_exactly_the_query_tokens(
    index: Index, analyzer: Analyzer, query: str, doc_id: str, field: str, words: str
) -> None:
    hit = search_one(index, query, doc_id)
    terms = set(analyzer.terms(words))
    check_fragments(analyzer, hit, field, terms)


def test_plural_highlighted_for_singular(index: Index) -> None:
    hit = search_one(index, "referendum", "plural")
    fr = hit.snippets["body"][0]
    text = hit.fields["body"]
    assert [text[a:b] for a, b in fr.highlights] == ["referendums", "referendum"]
    title = hit.fields["title"]
    assert [title[a:b] for a, b in hit.snippets["title"][0].highlights] == ["Referendums"]


def test_accented_surface_forms(index: Index) -> None:
    hit = search_one(index, "crimee referendum", "accents")
    text = hit.fields["body"]
    marked = [text[a:b] for fr in hit.snippets["body"] for a, b in fr.highlights]
    assert marked == ["référendum", "Crimée", "RÉFÉRENDUM"]
    assert [hit.fields["title"][a:b] for a, b in hit.snippets["title"][0].highlights] == ["Crimée"]


def test_offsets_survive_nfkc_changes(index: Index) -> None:
    hit = search_one(index, "finance crimea crimée flow", "nfkc")
    title = hit.fields["title"]
    assert [title[a:b] for a, b in hit.snippets["title"][0].highlights] == [
        "ﬁnance",
        "ＣＲＩＭＥＡ",
    ]
    body = hit.fields["body"]
    marked = [body[a:b] for fr in hit.snippets["body"] for a, b in fr.highlights]
    assert marked == ["ﬁnance", "ＣＲＩＭＥＡ", "Crime\u0301e", "ﬂow", "Crimea's"]


def test_prefix_and_fuzzy_highlight_their_expansions(index: Index, analyzer: Analyzer) -> None:
    hit = search_one(index, "body:refer*", "plural")
    text = hit.fields["body"]
    marked = [text[a:b] for fr in hit.snippets["body"] for a, b in fr.highlights]
    # index terms referendum, refere (referee), refer (refers) start with "refer"; reef does not
    assert marked == ["referendums", "referendum", "referee", "refers"]
    assert "title" not in hit.snippets  # the query names only the body
    hit = search_one(index, "body:referendm~1", "plural")
    marked = [text[a:b] for fr in hit.snippets["body"] for a, b in fr.highlights]
    assert marked == ["referendums", "referendum"]


def test_no_fragment_for_a_field_without_matches(index: Index) -> None:
    hit = search_one(index, "crimea", "bodyonly")
    assert set(hit.snippets) == {"body"}
    # a prohibited term is not highlighted, and a field where only it occurs has no fragment
    hit = search_one(index, "russia -title:crimea", "bodyonly")
    text = hit.fields["body"]
    marked = {text[a:b] for fr in hit.snippets["body"] for a, b in fr.highlights}
    assert marked == {"Russia"}
    # without snippets requested there are none
    plain = index.search("crimea", k=100)
    assert all(h.snippets == {} for h in plain.hits)


def test_fragments_are_bounded(index: Index) -> None:
    hit = search_one(index, "crimea", "bodyonly")
    fragments = hit.snippets["body"]
    assert 1 <= len(fragments) <= 2
    assert all(fr.end - fr.start <= 160 for fr in fragments)


def test_fragment_marked() -> None:
    text = "West and Russia still differ on Crimea"
    fr = Fragment(text[5:], 5, len(text), ((9, 15), (32, 38)))
    assert fr.marked() == "and <b>Russia</b> still differ on <b>Crimea</b>"
    assert fr.marked("[", "]") == "and [Russia] still differ on [Crimea]"
    assert Fragment("plain", 0, 5, ()).marked() == "plain"
    assert fr.to_dict() == {
        "text": text[5:],
        "start": 5,
        "end": len(text),
        "highlights": [[9, 15], [32, 38]],
    }


def test_marked_snippet_round_trip(index: Index) -> None:
    hit = search_one(index, "crimee referendum", "accents")
    for fr in hit.snippets["body"]:
        marked = fr.marked("\x00", "\x01")
        assert marked.replace("\x00", "").replace("\x01", "") == fr.text
        spans = [(lo, hi) for lo, hi in fr.highlights]
        pieces = marked.split("\x00")[1:]
        assert [p.split("\x01")[0] for p in pieces] == [
            fr.text[lo - fr.start : hi - fr.start] for lo, hi in spans
        ]


def test_stored_text_is_unchanged(index: Index, tmp_path: Path) -> None:
    hit = search_one(index, "finance", "nfkc")
    assert hit.fields["title"] == DOCS[2]["title"]

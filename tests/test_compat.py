"""Indexes written by released format versions stay readable, with the same answers.

`tests/fixtures/index_v1/` was written once by `tests/fixtures/make_index_v1.py` and is kept
in git forever, byte for byte; `index_v1.expected.json` holds what searching it returned.
Every file of it must still open (checksums, headers), its documents, ids, numeric values and
deletions must read back, and the recorded queries must return the same hits and scores
(replayed with the parameters and query model they were recorded with: see below).
The fixture is copied to tmp_path first: tests never write into the repository.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES

from minisearch import Bm25Params, BooleanQuery, Index, TermQuery, codec
from minisearch.analysis import Analyzer
from minisearch.commit import read_latest
from minisearch.query import Query
from minisearch.searcher import Searcher
from minisearch.segment.reader import SegmentReader

FIXTURE = FIXTURES / "index_v1"
EXPECTED_FILE = FIXTURES / "index_v1.expected.json"


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    return json.loads(EXPECTED_FILE.read_text(encoding="utf-8"))


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def v1(tmp_path: Path) -> Path:
    copy = tmp_path / "index_v1"
    shutil.copytree(FIXTURE, copy)
    return copy


def test_fixture_is_complete(expected: dict[str, Any]) -> None:
    assert FIXTURE.is_dir(), "tests/fixtures/index_v1 is missing: it must stay in git forever"
    on_disk = {str(p.relative_to(FIXTURE)) for p in FIXTURE.rglob("*") if p.is_file()}
    assert on_disk == set(expected["files"]), "fixture files differ from those it was written with"


def test_every_file_is_format_v1(v1: Path, expected: dict[str, Any]) -> None:
    assert expected["format_version"] == 1
    for name in expected["files"]:
        data = (v1 / name).read_bytes()
        assert data[: len(codec.MAGIC)] == codec.MAGIC, name
        (version,) = struct.unpack_from("<H", data, len(codec.MAGIC))
        assert version == 1, name
    # This package still reads version 1.
    assert codec.OLDEST_SUPPORTED_VERSION <= 1 <= codec.FORMAT_VERSION


def assert_segments_read_back(root: Path, expected: dict[str, Any]) -> None:
    """Every segment verifies; live ids, stored fields and numeric values are as recorded."""
    commit = read_latest(root)
    assert commit.generation == expected["generation"]
    assert commit.schema.to_dict() == expected["schema"]
    assert dict(commit.analyzer) == expected["analyzer"]
    assert len(commit.segments) == expected["segments"] == 2
    numeric: dict[str, dict[str, Any]] = {name: {} for name in expected["numeric"]}
    live_ids: list[str] = []
    for meta in commit.segments:
        reader = SegmentReader(root, meta, commit.schema)
        try:
            reader.verify()
            for doc in range(reader.doc_count):
                doc_id = reader.external_id(doc)
                if doc in reader.deleted:
                    assert doc_id == expected["deleted_id"]
                    continue
                live_ids.append(doc_id)
                assert reader.stored_fields(doc) == expected["stored"][doc_id], doc_id
            for name, values in numeric.items():
                data, present = reader.numeric_values(name)
                for doc in present:
                    if doc not in reader.deleted:
                        values[reader.external_id(doc)] = data[doc].item()
        finally:
            reader.close()
    assert sorted(live_ids) == sorted(expected["stored"])
    assert numeric == expected["numeric"]


def test_commit_and_segments_read_back(v1: Path, expected: dict[str, Any]) -> None:
    assert_segments_read_back(v1, expected)


def test_info(v1: Path, expected: dict[str, Any]) -> None:
    info = Index.open(v1).info()
    assert info.format_version >= 1
    assert (
        (info.documents, info.deleted, info.segments)
        == (
            expected["documents"],
            expected["deleted"],
            expected["segments"],
        )
        == (9, 1, 2)
    )


# The recorded results were computed when the defaults were k1 = 1.2, b = 0.75 and a bare word
# searched every default text field as a sum of per-field BM25 clauses (each with the field's
# boost). The ranking defaults have changed since (docs/RELEVANCE.md: k1 = 2.0 and BM25F for
# bare words over several fields), so the recorded queries are replayed with those recorded
# parameters and as the explicit query objects the old query model built: that keeps the
# comparison about the stored bytes (postings, norms, statistics, stored fields), not about
# the ranking defaults of the day.
RECORDED_PARAMS = Bm25Params(k1=1.2, b=0.75)


def recorded_query(index: Index, text: str, fields: list[str] | None) -> Query:
    """The query the format-1 release built for `text`: one clause per word (OR), each word a
    sum of one `TermQuery` per searched text field with the field's boost. The recorded
    queries are plain words that analyze to at most one term each."""
    analyzer = Analyzer(index.analyzer_config)
    chosen = [index.schema[name] for name in fields] if fields else index.schema.text_fields
    words: list[Query] = []
    for word in text.split():
        terms = analyzer.terms(word)
        assert len(terms) <= 1, f"{word!r} is not a plain one-term word"
        if not terms:
            continue
        clauses = [TermQuery(f.name, terms[0], boost=f.boost) for f in chosen]
        words.append(clauses[0] if len(clauses) == 1 else BooleanQuery(should=tuple(clauses)))
    if len(words) == 1:
        return words[0]
    return BooleanQuery(should=tuple(words))


def test_recorded_queries_return_the_same_results(v1: Path, expected: dict[str, Any]) -> None:
    index = Index.open(v1)
    try:
        with index.searcher(params=RECORDED_PARAMS) as s:
            for q in expected["queries"]:
                res = s.search(recorded_query(index, q["query"], q.get("fields")), k=q["k"])
                context = f"{q['query']!r} k={q['k']} fields={q.get('fields')}"
                assert res.total == q["total"], context
                assert [(h.rank, h.id) for h in res.hits] == [
                    (h["rank"], h["id"]) for h in q["hits"]
                ], context
                for hit, want in zip(res.hits, q["hits"], strict=True):
                    assert hit.score == pytest.approx(want["score"], rel=1e-9), (
                        f"{context}: {hit.id}"
                    )
                    assert hit.fields == want["fields"], f"{context}: {hit.id}"
            assert s.document(expected["deleted_id"]) is None
            for doc_id, fields in expected["stored"].items():
                assert s.document(doc_id) == fields
    finally:
        index.close()


def test_recorded_single_field_queries_as_strings(v1: Path, expected: dict[str, Any]) -> None:
    """A query string on one field is still plain per-field BM25 (a `TermQuery` with the
    field's boost), so with the recorded parameters it gives the recorded answer as is."""
    single = [q for q in expected["queries"] if q.get("fields") and len(q["fields"]) == 1]
    assert single, "the fixture records a single-field query"
    with Searcher.open(v1, params=RECORDED_PARAMS) as s:
        for q in single:
            res = s.search(q["query"], k=q["k"], fields=q["fields"])
            assert isinstance(res.query, TermQuery)
            assert res.total == q["total"]
            assert [(h.id, h.score) for h in res.hits] == [
                (h["id"], pytest.approx(h["score"], rel=1e-9)) for h in q["hits"]
            ]


def test_recorded_queries_match_the_same_documents_today(
    v1: Path, expected: dict[str, Any]
) -> None:
    """With today's defaults (BM25F, k1 = 2.0) the scores change but the matching documents
    (OR semantics, live documents only) do not; and the index keeps its own analyzer config
    (Lucene's 33 stopwords), whatever `AnalyzerConfig()` defaults to now."""
    index = Index.open(v1)
    try:
        assert index.analyzer_config.stopwords == "english"
        for q in expected["queries"]:
            res = index.search(q["query"], k=100, fields=q.get("fields"))
            context = f"{q['query']!r} fields={q.get('fields')}"
            assert res.total == q["total"], context
            got = [h.id for h in res.hits]
            if q["k"] >= q["total"]:
                assert sorted(got) == sorted(h["id"] for h in q["hits"]), context
            else:
                assert {h["id"] for h in q["hits"]} <= set(got), context
    finally:
        index.close()


def test_opening_does_not_modify_the_fixture(v1: Path) -> None:
    before = _digest(v1)
    index = Index.open(v1)
    index.search("solar energy")
    index.info()
    index.close()
    assert _digest(v1) == before
    assert _digest(FIXTURE) == {k: v for k, v in before.items()}


def test_v1_index_accepts_new_writes(v1: Path, expected: dict[str, Any]) -> None:
    """A writer of this version can append to (and delete from) a v1 index."""
    index = Index.open(v1)
    with index.writer() as w:
        w.add(
            {
                "id": "tidal-1",
                "title": "Tidal power",
                "body": "Tides turn turbines.",
                "lang": "en",
                "year": 2025,
            }
        )
        assert w.delete("wind-1")
    assert index.info().documents == expected["documents"]
    assert [h.id for h in index.search("tidal", k=5).hits] == ["tidal-1"]
    assert "wind-1" not in [h.id for h in index.search("wind", k=10).hits]
    index.close()

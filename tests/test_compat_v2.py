"""The format-2 fixture (tests/fixtures/index_v2, from make_index_v2.py) stays readable.

Same checks as for format 1 (test_compat.py): every file opens with its checksums, documents,
ids, numeric values and deletions read back, and the recorded queries give the recorded hits
and scores. Format 2 was recorded with the ranking defaults it shipped with (BM25F over the
text fields, k1 2.0, b 0.75), so the queries are replayed as plain query strings.
"""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import pytest
from conftest import FIXTURES
from test_compat import _digest, assert_segments_read_back

from minisearch import Index, codec

FIXTURE = FIXTURES / "index_v2"
EXPECTED = json.loads((FIXTURES / "index_v2.expected.json").read_text(encoding="utf-8"))


@pytest.fixture
def v2(tmp_path: Path) -> Path:
    copy = tmp_path / "index_v2"
    shutil.copytree(FIXTURE, copy)
    return copy


def test_every_file_is_format_v2() -> None:
    on_disk = {str(p.relative_to(FIXTURE)) for p in FIXTURE.rglob("*") if p.is_file()}
    assert on_disk == set(EXPECTED["files"]), "fixture files differ from those it was written with"
    assert EXPECTED["format_version"] == 2
    for name in EXPECTED["files"]:
        data = (FIXTURE / name).read_bytes()
        assert struct.unpack_from("<H", data, len(codec.MAGIC)) == (2,), name
    assert codec.OLDEST_SUPPORTED_VERSION <= 2 <= codec.FORMAT_VERSION


def test_segments_read_back(v2: Path) -> None:
    assert_segments_read_back(v2, EXPECTED)


def test_recorded_queries_return_the_same_results(v2: Path) -> None:
    index = Index.open(v2)
    try:
        for q in EXPECTED["queries"]:
            res = index.search(q["query"], k=q["k"], fields=q.get("fields"))
            context = f"{q['query']!r} k={q['k']} fields={q.get('fields')}"
            assert res.total == q["total"], context
            assert [(h.rank, h.id, h.fields) for h in res.hits] == [
                (h["rank"], h["id"], h["fields"]) for h in q["hits"]
            ], context
            for hit, want in zip(res.hits, q["hits"], strict=True):
                assert hit.score == pytest.approx(want["score"], rel=1e-9), context
    finally:
        index.close()


def test_opening_and_writing(v2: Path) -> None:
    before = _digest(v2)
    index = Index.open(v2)
    index.search("solar energy")
    assert _digest(v2) == before
    with index.writer() as w:
        w.add({"id": "tidal-1", "title": "Tidal power", "body": "Tides turn turbines."})
        assert w.delete("wind-1")
    assert [h.id for h in index.search("tidal", k=5).hits] == ["tidal-1"]
    assert "wind-1" not in [h.id for h in index.search("wind", k=10).hits]
    index.close()

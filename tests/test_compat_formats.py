"""The fixtures of formats 2 to 4 (tests/fixtures/index_vN, from make_index_vN.py) stay
readable and writable.

Same checks as for format 1 (test_compat.py): every file opens with its checksums, documents,
ids, numeric values and deletions read back, and the recorded queries give the recorded hits
and scores. Each was recorded with the ranking defaults they shipped with (BM25F over the
text fields, k1 2.0, b 0.75), so the queries are replayed as plain query strings.
"""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES
from test_compat import _digest, assert_segments_read_back

from minisearch import Index, codec

VERSIONS = [2, 3, 4]


def expected(version: int) -> dict[str, Any]:
    text = (FIXTURES / f"index_v{version}.expected.json").read_text(encoding="utf-8")
    recorded: dict[str, Any] = json.loads(text)
    return recorded


@pytest.fixture(params=VERSIONS, ids=[f"v{v}" for v in VERSIONS])
def version(request: pytest.FixtureRequest) -> int:
    number: int = request.param
    return number


@pytest.fixture
def copy(tmp_path: Path, version: int) -> Path:
    """A writable copy of the fixture (the committed one must never change)."""
    target = tmp_path / f"index_v{version}"
    shutil.copytree(FIXTURES / f"index_v{version}", target)
    return target


def test_every_file_is_of_its_format(version: int) -> None:
    fixture, recorded = FIXTURES / f"index_v{version}", expected(version)
    on_disk = {str(p.relative_to(fixture)) for p in fixture.rglob("*") if p.is_file()}
    assert on_disk == set(recorded["files"]), "fixture files differ from those it was written with"
    assert recorded["format_version"] == version
    for name in recorded["files"]:
        data = (fixture / name).read_bytes()
        assert struct.unpack_from("<H", data, len(codec.MAGIC)) == (version,), name
    assert codec.OLDEST_SUPPORTED_VERSION <= version <= codec.FORMAT_VERSION


def test_segments_read_back(copy: Path, version: int) -> None:
    assert_segments_read_back(copy, expected(version))


def test_recorded_queries_return_the_same_results(copy: Path, version: int) -> None:
    index = Index.open(copy)
    try:
        for q in expected(version)["queries"]:
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


def test_opening_and_writing(copy: Path) -> None:
    before = _digest(copy)
    index = Index.open(copy)
    index.search("solar energy")
    assert _digest(copy) == before
    with index.writer() as w:
        w.add({"id": "tidal-1", "title": "Tidal power", "body": "Tides turn turbines."})
        assert w.delete("wind-1")
    assert [h.id for h in index.search("tidal", k=5).hits] == ["tidal-1"]
    assert "wind-1" not in [h.id for h in index.search("wind", k=10).hits]
    index.close()

"""Merging: a merged index searches exactly like the unmerged one, and the policy is logarithmic."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from stress.common import QUERIES, SCHEMA, assert_same_hits, build_fresh, hits, make_doc

from minisearch.check import check_index
from minisearch.index import Index
from minisearch.merge import LogMergePolicy, forced_merges
from minisearch.schema import Schema, TextField
from minisearch.segment.meta import FileInfo, SegmentMeta
from minisearch.writer import IndexWriter


def _multi_segment(path: Path, seed: int = 7) -> list[dict[str, object]]:
    """Six committed segments with deletions and updates; returns the survivors in index order."""
    rng = random.Random(seed)
    Index.create(path, schema=SCHEMA)
    order: dict[str, dict[str, object]] = {}
    with IndexWriter(path, merge_policy=None) as w:
        for batch in range(6):
            for i in range(25):
                doc = make_doc(f"{batch}-{i}", rng)
                w.add(doc)
                order[str(doc["id"])] = doc
            w.commit()
        for victim in ("0-1", "2-5", "5-24"):
            w.delete(victim)
            del order[victim]
        for updated in ("1-3", "3-3"):
            doc = make_doc(updated, rng)
            w.update(doc)
            del order[updated]
            order[updated] = doc
    return list(order.values())


def test_merged_index_searches_exactly_like_unmerged(tmp_path: Path) -> None:
    survivors = _multi_segment(tmp_path / "ix")
    index = Index.open(tmp_path / "ix")
    before = {q: hits(index, q, 200) for q in QUERIES}
    segments_before = index.info().segments
    assert segments_before == 7
    with IndexWriter(tmp_path / "ix", merge_policy=None) as w:
        commit = w.merge(max_segments=3)
    assert len(commit.segments) == 3
    for q in QUERIES:
        assert_same_hits(hits(Index.open(tmp_path / "ix"), q, 200), before[q], 1e-9)
    with IndexWriter(tmp_path / "ix") as w:
        commit = w.optimize()
    assert len(commit.segments) == 1 and commit.segments[0].del_count == 0
    merged = Index.open(tmp_path / "ix")
    for q in QUERIES:
        assert_same_hits(hits(merged, q, 200), before[q], 1e-9)
    fresh = build_fresh(tmp_path / "fresh", survivors)
    for q in QUERIES:
        assert_same_hits(hits(merged, q, 200), hits(fresh, q, 200), 1e-9)
    searcher = merged.searcher()
    for doc in survivors:
        assert searcher.document(str(doc["id"])) == {k: v for k, v in doc.items() if k != "id"}
    assert check_index(tmp_path / "ix").ok
    dirs = [p for p in (tmp_path / "ix").iterdir() if p.name.startswith("seg-")]
    assert len(dirs) == 1  # merged-away segments were removed


def test_merge_keeps_phrase_positions_and_unstored_text(tmp_path: Path) -> None:
    schema = Schema([TextField("body", stored=False)])
    Index.create(tmp_path / "ix", schema=schema)
    with IndexWriter(tmp_path / "ix", merge_policy=None) as w:
        for i in range(4):
            w.add({"id": str(i), "body": f"red green {'blue ' * i}red"})
            w.commit()
        w.delete("2")
    before = Index.open(tmp_path / "ix").searcher()
    with IndexWriter(tmp_path / "ix", merge_policy=None) as w:
        w.optimize()
    after = Index.open(tmp_path / "ix").searcher()
    seg_before = {
        before.segments[i].external_id(0): before.segments[i] for i in range(len(before.segments))
    }
    seg = after.segments[0]
    assert [seg.external_id(d) for d in range(seg.doc_count)] == ["0", "1", "3"]
    for term in ("red", "blue", "green"):
        p = seg.term_postings("body", term)
        if p is None:
            continue
        for doc, positions in zip(p.docs, p.positions(), strict=True):
            old = seg_before[seg.external_id(int(doc))].term_postings("body", term)
            assert old is not None
            assert list(positions) == list(old.positions()[0])


def test_policy_keeps_segment_count_logarithmic(tmp_path: Path) -> None:
    Index.create(tmp_path / "ix", schema=SCHEMA)
    policy = LogMergePolicy(merge_factor=3, min_docs=2)
    rng = random.Random(4)
    counts = []
    with IndexWriter(tmp_path / "ix", merge_policy=policy) as w:
        for i in range(120):
            w.add(make_doc(str(i), rng))
            w.add(make_doc(f"{i}b", rng))
            counts.append(len(w.commit().segments))
    # 240 docs, factor 3: at most (f - 1) segments per level, log_3(120) + 1 levels.
    assert max(counts) <= 2 * 6
    assert Index.open(tmp_path / "ix").info().documents == 240
    assert check_index(tmp_path / "ix").ok


def _meta(live: int, deleted: int = 0) -> SegmentMeta:
    return SegmentMeta(
        id="0" * 32, doc_count=live + deleted, files={"terms": FileInfo(1, 1)}, del_count=deleted
    )


def test_policy_decisions() -> None:
    policy = LogMergePolicy(merge_factor=3, min_docs=10)
    assert policy.find_merges([_meta(100), _meta(5), _meta(5)]) == []
    assert policy.find_merges([_meta(100), _meta(5), _meta(5), _meta(1)]) == [range(1, 4)]
    assert policy.find_merges([_meta(40), _meta(30), _meta(35), _meta(1)]) == [range(0, 4)]
    assert forced_merges([_meta(10), _meta(1), _meta(2), _meta(50)], 2) == [range(0, 3)]
    assert forced_merges([_meta(10), _meta(1, deleted=1)], 2) == [range(1, 2)]
    with pytest.raises(ValueError):
        forced_merges([], 0)
    with pytest.raises(ValueError):
        LogMergePolicy(merge_factor=1)


@pytest.mark.parametrize("chunk", [1, 37, 4 * 1024 * 1024])
def test_merge_by_term_ranges_writes_the_term_at_a_time_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Text fields are merged a range of terms at a time with arrays; the dictionary and the
    postings must be byte for byte the term-at-a-time merge's (deletions and updates
    included), however small the ranges."""
    import numpy as np

    from minisearch import merge

    _multi_segment(tmp_path / "ix")
    readers = Index.open(tmp_path / "ix").searcher().segments
    lives = [merge._live_docs(r) for r in readers]
    remaps, base = [], 0
    for reader, live in zip(readers, lives, strict=True):
        remap = np.full(reader.doc_count, -1, dtype=np.int64)
        remap[live] = np.arange(base, base + len(live))
        remaps.append(remap)
        base += len(live)
    monkeypatch.setattr(merge, "MERGE_CHUNK_POSITIONS", chunk)
    for field in ("title", "body"):
        lengths = np.concatenate(
            [r.field_lengths(field)[live] for r, live in zip(readers, lives, strict=True)]
        ).astype(np.uint32)
        want: list[bytes] = []
        expected, end = merge._merge_field(readers, remaps, field, lengths, True, want, 5)
        got: list[bytes] = []
        actual, got_end = merge._merge_text_field(readers, remaps, field, lengths, True, got, 5)
        assert b"".join(got) == b"".join(want) and got_end == end
        assert actual.to_body() == expected.to_body()
        if chunk == 1:
            assert len(merge._term_ranges(readers, field)) > 10

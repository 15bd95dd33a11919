"""The plain-words fast path (query/words.py) must return what the general path returns.

A string of plain words is scored without query objects; a `Query` object always takes the
general path (parse, bind weights, per-segment strategies). So searching the text and
searching its parsed query must give the same ids, the same floats bit for bit, the same
tie order and the same total, on random corpora with several segments, deletions, exact
ties, repeated and unknown words, one field (BM25) or two (BM25F), any k and offset, each
kernel, and with the size rule that sends big segments to MaxScore made small enough to
apply.
"""

from __future__ import annotations

import gc
import tempfile
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import FAST_TMP
from test_pruning import KERNELS, WORDS, build, documents

import minisearch.query.disjunction as disjunction
from minisearch import Bm25Params, Index, QuerySyntaxError
from minisearch.cache import ENTRY_OVERHEAD, ByteBudgetCache
from minisearch.packed import PackedStrings, pack_strings
from minisearch.query.arena import SegmentStore
from minisearch.query.words import is_plain_words

# Index words, words no document has, a stopword, upper case, and operator spellings (which
# make the text query syntax, so the general path runs for both sides).
QUERY_WORDS = [*WORDS, "zzz", "the", "W3", "AND", "and", "OR", "NOT"]


def hits(results) -> list[tuple[str, float]]:  # type: ignore[no-untyped-def]
    return [(h.id, h.score) for h in results]


def assert_fast_path_agrees(
    index: Index, text: str, k: int, offset: int, kernel: str, syntax: bool
) -> None:
    with index.searcher(params=Bm25Params(k1=1.2, b=0.75)) as searcher:
        searcher.kernel = kernel  # type: ignore[assignment]
        try:
            query = searcher.parse(text) if syntax else searcher.parse_plain(text)
        except QuerySyntaxError:  # operators out of place ("AND" alone): the same error
            with pytest.raises(QuerySyntaxError):
                searcher.search(text, k=k, offset=offset, syntax=syntax)
            return
        general = searcher.search(query, k=k, offset=offset, stored_fields=False)
        fast = searcher.search(text, k=k, offset=offset, stored_fields=False, syntax=syntax)
        assert hits(fast) == hits(general)
        assert fast.total == general.total
        assert fast.query == query
        again = searcher.search(text, k=k, offset=offset, stored_fields=False, syntax=syntax)
        assert hits(again) == hits(general)  # from the kept postings this time


@settings(FAST_TMP, max_examples=80)
@given(
    texts=documents(),
    query_list=st.lists(
        st.lists(st.sampled_from(QUERY_WORDS), min_size=1, max_size=7).map(" ".join),
        min_size=1,
        max_size=4,
    ),
    k=st.sampled_from([0, 1, 3, 10, 50]),
    offset=st.sampled_from([0, 2]),
    fields=st.sampled_from([1, 2]),
    segments=st.integers(1, 3),
    deletes=st.lists(st.integers(0, 200), max_size=10),
    kernel=st.sampled_from(["numpy", *KERNELS]),
    syntax=st.booleans(),
    maxscore_from=st.sampled_from([disjunction.MAXSCORE_DOCS_PER_CLAUSE, 8]),
)
def test_plain_words_return_the_general_paths_hits(
    tmp_path: Path,
    texts: list[str],
    query_list: list[str],
    k: int,
    offset: int,
    fields: int,
    segments: int,
    deletes: list[int],
    kernel: str,
    syntax: bool,
    maxscore_from: int,
) -> None:
    with (
        tempfile.TemporaryDirectory(dir=tmp_path) as root,
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(disjunction, "MAXSCORE_DOCS_PER_CLAUSE", maxscore_from)
        index = build(Path(root), texts, fields, min(segments, len(texts)), deletes)
        try:
            for text in query_list:
                assert_fast_path_agrees(index, text, k, offset, kernel, syntax)
        finally:
            index.close()


def test_plain_words_skip_query_objects_and_parse_on_demand(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    texts = [" ".join(rng.choice(WORDS, size=10)) for _ in range(300)]
    index = build(tmp_path, texts, 2, 2, deletes=[4, 5])
    try:
        with index.searcher() as searcher:
            for syntax in (False, True):
                found = searcher.search("w1 w7 zzz w7", k=5, syntax=syntax)
                assert found._query is None  # scored without a query object
                expected = searcher.parse("w1 w7 zzz w7") if syntax else None
                assert found.query == (expected or searcher.parse_plain("w1 w7 zzz w7"))
                assert len(found) == 5 and found.hits[0].fields  # stored fields still filled
            # Query syntax, snippets and AND take the general path, which parses first.
            for text, options in (
                ("w1 -w7", {}),
                ("w1 w7", {"with_snippets": True}),
                ("w1 w7", {"default_operator": "AND"}),
            ):
                assert searcher.search(text, **options)._query is not None  # type: ignore[arg-type]
    finally:
        index.close()


def test_words_on_maxscore_sized_segments_take_the_general_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(12)
    texts = [" ".join(rng.choice(WORDS, size=10)) for _ in range(300)]
    index = build(tmp_path, texts, 1, 2, deletes=[])
    try:
        with index.searcher() as searcher:
            assert searcher.search("w1", k=5)._query is None  # small segments: fast path
            # Segments of 150 documents count as big from 8 per clause: even a single word
            # goes to the general path, which keeps no weighted copy of the memo's values.
            monkeypatch.setattr(disjunction, "MAXSCORE_DOCS_PER_CLAUSE", 8)
            for text in ("w2", "w1 w7"):
                assert searcher.search(text, k=5)._query is not None, text
    finally:
        index.close()


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("capacity", [0, 40, None])
def test_words_outside_the_segment_stores_give_the_same_hits(
    tmp_path: Path, kernel: str, capacity: int | None
) -> None:
    """The compiled pass reads words in place from their segment's store (query/arena.py);
    words that did not fit (a full store, or none: capacity 0) take the concatenating path,
    alone or next to stored ones in one query."""
    rng = np.random.default_rng(13)
    texts = [" ".join(rng.choice(WORDS, size=int(rng.integers(1, 12)))) for _ in range(160)]
    index = build(tmp_path, texts, 2, 3, deletes=[3, 50, 51])
    queries = ["w1 w7", "w39 w2 w2 w30", "w5", "w0 w1 w2 w3 w4 w5 w6", "w8 zzz w9"]
    try:
        with index.searcher(params=Bm25Params(k1=1.2, b=0.75)) as searcher:
            searcher.kernel = kernel  # type: ignore[assignment]
            words = searcher._words
            if capacity is not None:
                words._stores = [SegmentStore(capacity) for _ in searcher.segments]
            for text in queries:
                general = searcher.search(searcher.parse_plain(text), k=7, stored_fields=False)
                fast = searcher.search(text, k=7, stored_fields=False, syntax=False)
                assert hits(fast) == hits(general), text
                assert fast.total == general.total, text
            entries = [entry[0] for entry in words._words._entries.values()]
            stored = [
                (n is not None, len(d))
                for w in entries
                for n, d in zip(w.numbers, w.docs, strict=True)
            ]
            if capacity is None:  # the searcher's own stores hold every word of every segment
                assert all(is_stored for is_stored, _ in stored)
            elif capacity == 0:  # only words absent from a segment fit (no postings)
                assert not any(is_stored for is_stored, size in stored if size)
            else:  # some words fit, the later ones did not
                assert any(s for s, size in stored if size) and not all(s for s, _ in stored)
    finally:
        index.close()


def test_segment_store_copies_words_in_until_full() -> None:
    store = SegmentStore(5)
    first = store.put(np.array([1, 4], np.uint32), np.array([0.5, 1.5]))
    assert first is not None
    docs, values, number = first
    assert number == 0 and docs.tolist() == [1, 4] and values.tolist() == [0.5, 1.5]
    assert np.shares_memory(docs, store.docs) and np.shares_memory(values, store.values)
    assert store.put(np.array([2, 3, 7, 9], np.uint32), np.ones(4)) is None  # 2 + 4 > 5
    second = store.put(np.array([0, 2, 3], np.uint32), np.array([1.0, 2.0, 3.0]))
    assert second is not None and second[2] == 1 and store.used == 5
    assert store.docs.tolist() == [1, 4, 0, 2, 3]
    assert store.values.tolist() == [0.5, 1.5, 1.0, 2.0, 3.0]
    assert store.spans[:2].tolist() == [[0, 2], [2, 5]]
    # Words past the table's rows get a bigger table; the rows so far stay.
    empty = np.zeros(0, np.uint32), np.zeros(0)
    numbers = [store.put(*empty) for _ in range(100)]
    assert [n[2] for n in numbers if n is not None] == list(range(2, 102))
    assert store.spans[:3].tolist() == [[0, 2], [2, 5], [5, 5]] and store.words == 102


def test_plain_words_recognised() -> None:
    for text in ("wing flow", "Über 3 wings", " w1\tw2 ", "and or not"):
        assert is_plain_words(text), text
    for text in ("", "   ", "a AND b", "NOT x", "a OR b", "a-b", 'x "y"', "title:x", "a*", "x~"):
        assert not is_plain_words(text), text


def test_byte_budget_cache_evicts_least_recently_used_by_bytes() -> None:
    cache: ByteBudgetCache[str] = ByteBudgetCache(3 * (100 + ENTRY_OVERHEAD))
    for key in "abc":
        cache.put(key, key.upper(), 100)
    assert len(cache) == 3 and cache.size == 3 * (100 + ENTRY_OVERHEAD)
    assert cache.get("a") == "A"  # now the most recent
    cache.put("d", "D", 100)  # evicts b, the least recently used
    assert cache.get("b") is None and "b" not in cache
    assert [cache.get(key) for key in "acd"] == ["A", "C", "D"]
    cache.put("e", "E", 250)  # needs two entries' room: a and c go
    assert "a" not in cache and "c" not in cache and cache.get("e") == "E"
    cache.put("e", "E2", 10)  # replacing a key releases its old size
    assert cache.size == (100 + ENTRY_OVERHEAD) + (10 + ENTRY_OVERHEAD)
    cache.put("huge", "H", 10**6)  # larger than the whole budget: not kept, nothing evicted
    assert "huge" not in cache and len(cache) == 2
    cache.clear()
    assert len(cache) == 0 and cache.size == 0


def test_reader_postings_cache_counts_what_its_entries_hold(tmp_path: Path) -> None:
    # Words of one document each: raw doc ids, nothing decoded, so an entry is its objects.
    texts = [f"alpha{i} beta{i} gamma{i}" for i in range(400)]
    index = build(tmp_path, texts, 1, 1, deletes=[])
    try:
        with index.searcher() as searcher:
            reader = searcher.segments[0]
            words = [searcher.analyzer.terms(text) for text in texts]
            gc.collect()
            tracemalloc.start()
            try:
                before = tracemalloc.get_traced_memory()[0]
                for terms in words:
                    for term in terms:
                        assert reader.term_postings("body", term) is not None
                gc.collect()
                held = tracemalloc.get_traced_memory()[0] - before
            finally:
                tracemalloc.stop()
            cache = reader._postings_cache
            assert len(cache) == 3 * len(texts)
            # The budget bounds memory only if entries are not counted below what they hold.
            assert held <= cache.size, (held / len(cache), cache.size / len(cache))
    finally:
        index.close()


def test_packed_strings_take_decodes_a_page_at_once() -> None:
    words = ["", "a", "wing", "Über", "x" * 300, "z"]
    packed = PackedStrings(pack_strings(words))
    for picks in ([], [0], [5, 0, 3, 3], list(range(len(words)))):
        assert packed.take(picks) == [words[i] for i in picks]
    for bad in ([6], [-1]):
        with pytest.raises(IndexError):
            packed.take(bad)


def test_segments_past_the_id_list_size_decode_each_page_of_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small segments keep their ids as a list; bigger ones decode each page of hits: the
    same hits either way."""
    import minisearch.segment.reader as reader_module

    texts = [" ".join(WORDS[(i * 7 + j) % len(WORDS)] for j in range(i % 5 + 1)) for i in range(60)]
    build(tmp_path, texts, fields=1, segments=2, deletes=[4]).close()
    pages = []
    for limit in (reader_module.ID_LIST_MAX_DOCS, 0):
        monkeypatch.setattr(reader_module, "ID_LIST_MAX_DOCS", limit)
        with Index.open(tmp_path / "index") as opened:
            searcher = opened.searcher()
            assert all(isinstance(r._ids, list) == bool(limit) for r in searcher.segments)
            pages.append([hits(searcher.search(w, k=50, offset=3)) for w in WORDS[:5]])
    assert pages[0] == pages[1]
    assert any(pages[0])
